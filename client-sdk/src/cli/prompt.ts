import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import { CliError } from "./errors.js";

/** Piped stdin, read line by line across prompts (the password on the first line, a code on the next). */
let piped: { rl: Interface; lines: AsyncIterator<string> } | undefined;

/**
 * One line from stdin: on a terminal, after a prompt on stderr (without echo when `secret`);
 * otherwise the next line of what is piped in (`printf '%s\n' "$PASSWORD" "$CODE" | orgwire login …`).
 */
export async function readLine(prompt: string, options: { secret?: boolean; what?: string } = {}): Promise<string> {
  const input = process.stdin;
  const what = options.what ?? "input";
  if (!input.isTTY) {
    if (!piped) {
      const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
      // The iterator is taken at once: lines that arrive before the next prompt are queued, not lost.
      piped = { rl, lines: rl[Symbol.asyncIterator]() };
    }
    const next = await piped.lines.next();
    if (next.done) throw new CliError(`no ${what}: stdin ended before a line`);
    return next.value;
  }
  process.stderr.write(prompt);
  // Line editing works as usual; a secret's echo goes to a sink.
  const output = options.secret ? new Writable({ write: (_chunk, _encoding, done) => done() }) : process.stderr;
  const rl = createInterface({ input, output, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("line", resolve);
      rl.once("SIGINT", () => reject(new CliError("cancelled", 130)));
      rl.once("close", () => reject(new CliError(`no ${what}: stdin closed`)));
    });
  } finally {
    rl.close();
    if (options.secret) process.stderr.write("\n");
  }
}

/** A password: prompted without echo on a terminal, else the next piped line. */
export const readSecretLine = (prompt: string) => readLine(prompt, { secret: true, what: "password" });

/** Lets the process end once the prompts are done, whatever is still piped in. */
export function releaseInput(): void {
  if (!piped) return;
  piped.rl.close();
  process.stdin.destroy();
  piped = undefined;
}
