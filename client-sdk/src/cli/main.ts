#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { OrgwireError } from "../errors.js";
import { type Command, parseCommandLine } from "./args.js";
import { auditExport, auditTail, auditVerify } from "./commands/audit.js";
import { login, logout } from "./commands/auth.js";
import { eventsTail } from "./commands/events.js";
import { members, orgs } from "./commands/orgs.js";
import { webhooksCreate, webhooksDeliveries, webhooksList } from "./commands/webhooks.js";
import { createContext } from "./context.js";
import { CliError, UsageError } from "./errors.js";
import { helpText } from "./help.js";
import { Output, type Streams } from "./output.js";

/** Every command, in the order `--help` lists them. */
const COMMANDS: Command[] = [
  login,
  logout,
  orgs,
  members,
  eventsTail,
  auditTail,
  auditExport,
  auditVerify,
  webhooksList,
  webhooksCreate,
  webhooksDeliveries,
];

/** Runs one command line and answers the exit code (0 ok, 1 failure, 2 bad usage). */
async function main(argv: string[], env: NodeJS.ProcessEnv, streams: Streams): Promise<number> {
  let output = new Output(argv.includes("--json"), streams, env);
  let url: string | undefined;
  try {
    const parsed = parseCommandLine(argv, COMMANDS);
    switch (parsed.kind) {
      case "version":
        streams.stdout.write(`${version()}\n`);
        return 0;
      case "help":
        streams.stdout.write(helpText(parsed.path, COMMANDS));
        return 0;
      case "usage":
        streams.stderr.write(helpText(parsed.path, COMMANDS));
        return 2;
      case "run": {
        const ctx = await createContext(parsed.args, env, streams);
        output = ctx.out;
        url = ctx.url;
        return await parsed.args.command.run(ctx, parsed.args);
      }
    }
  } catch (error) {
    return report(error, output, url);
  }
}

function report(error: unknown, out: Output, url: string | undefined): number {
  if (error instanceof UsageError) {
    out.error(error.message);
    out.note(`Run 'orgwire ${[...error.path, ""].join(" ")}--help' for usage.`);
    return 2;
  }
  if (error instanceof OrgwireError) {
    out.error(`${error.code}: ${error.message}`);
    if (error.code === "network") out.note(`Is the server at ${url} up? Choose another with --url or ORGWIRE_URL.`);
    return 1;
  }
  if (error instanceof CliError) {
    out.error(error.message);
    return error.exitCode;
  }
  out.error(error instanceof Error ? error.message : String(error));
  return 1;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

// `orgwire … | head` closes stdout early: that is the reader's choice, not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
// Nothing should be left running; if a socket or timer lingers anyway, do not hang the shell.
setTimeout(() => process.exit(code), 2000).unref();
