import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { CliError } from "./errors.js";

/**
 * One line from stdin: on a terminal, after a prompt on stderr and without echo; otherwise the
 * first line of what is piped in (`echo "$PASSWORD" | orgwire login --email …`).
 */
export async function readSecretLine(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of rl) return line;
    } finally {
      rl.close();
      input.destroy();
    }
    throw new CliError("no password: stdin ended before a line");
  }
  process.stderr.write(prompt);
  // Line editing works as usual; the echo goes to a sink.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: sink, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("line", resolve);
      rl.once("SIGINT", () => reject(new CliError("cancelled", 130)));
      rl.once("close", () => reject(new CliError("no password: stdin closed")));
    });
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}
