import { parseArgs } from "node:util";
import type { Context } from "./context.js";
import { UsageError } from "./errors.js";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder of the value in help, e.g. `ID`. */
  value?: string;
  required?: boolean;
  help: string;
}

export interface Command {
  /** The words after `orgwire`, e.g. `["audit", "tail"]`. */
  path: string[];
  summary: string;
  /** Extra lines under the usage line of `--help`. */
  details?: string[];
  options: Record<string, OptionSpec>;
  run(ctx: Context, args: Args): Promise<number>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: "string", value: "URL", help: "server (default: $ORGWIRE_URL, the config file, http://localhost:3000)" },
  token: {
    type: "string",
    value: "TOKEN",
    help: "session token or API key (default: $ORGWIRE_TOKEN, the config file)",
  },
  json: { type: "boolean", help: "machine output: one JSON value per line" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

/** The parsed options of one command. */
export class Args {
  constructor(
    readonly command: Command,
    private readonly values: Record<string, string | boolean | undefined>,
  ) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === "string" ? value : undefined;
  }

  /** A required option (checked at parse time, so this only narrows the type). */
  need(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`missing --${name}`, this.command.path);
    return value;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A non-negative integer option. */
  count(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer`, this.command.path);
    return Number(value);
  }
}

export type Parsed =
  | { kind: "run"; args: Args }
  | { kind: "help"; path: string[] }
  | { kind: "version" }
  | { kind: "usage"; path: string[] };

type ParseOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

const toParseOptions = (specs: Record<string, OptionSpec>): ParseOptions =>
  Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, s.short ? { type: s.type, short: s.short } : { type: s.type }]),
  );

/**
 * Two passes: a loose one over every known option finds the command words wherever the options
 * are, then a strict one with that command's options rejects anything else.
 */
export function parseCommandLine(argv: string[], commands: Command[]): Parsed {
  const all: ParseOptions = { ...toParseOptions(GLOBAL_OPTIONS), version: { type: "boolean", short: "V" } };
  for (const c of commands) Object.assign(all, toParseOptions(c.options));
  const loose = parseArgs({ args: argv, options: all, strict: false, allowPositionals: true });
  const words = loose.positionals;
  const command = commands
    .filter((c) => c.path.every((w, i) => words[i] === w))
    .sort((a, b) => b.path.length - a.path.length)[0];

  if (!command) {
    if (words.length === 0) {
      if (loose.values.version === true) return { kind: "version" };
      return loose.values.help === true ? { kind: "help", path: [] } : { kind: "usage", path: [] };
    }
    const group = commands.some((c) => c.path.length > 1 && c.path[0] === words[0]) ? [words[0] as string] : [];
    if (group.length > 0 && words.length === 1) {
      return loose.values.help === true ? { kind: "help", path: group } : { kind: "usage", path: group };
    }
    throw new UsageError(`unknown command '${words.join(" ")}'`, group);
  }

  // `--help` wins over any other mistake on the line.
  if (loose.values.help === true) return { kind: "help", path: command.path };
  let strict: ReturnType<typeof parseArgs>;
  try {
    strict = parseArgs({
      args: argv,
      options: toParseOptions({ ...GLOBAL_OPTIONS, ...command.options }),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(parseErrorMessage(error), command.path);
  }
  const extra = strict.positionals.slice(command.path.length);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, command.path);
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && strict.values[name] === undefined) throw new UsageError(`missing --${name}`, command.path);
  }
  return { kind: "run", args: new Args(command, strict.values as Record<string, string | boolean | undefined>) };
}

function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `unknown option '${option}'`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    if (message.includes("does not take an argument")) return `${option} takes no value`;
    const hint = message.includes("ambiguous") ? ` (write ${option}=VALUE for one that starts with '-')` : "";
    return `${option} needs a value${hint}`;
  }
  return message.split(/[.\n]/)[0] ?? message;
}
