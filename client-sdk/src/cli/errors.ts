/** A bad command line: the message goes to stderr and the process exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command words whose `--help` to point at. */
    readonly path: string[] = [],
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure of the CLI itself (no token, unreadable config, …): `error: <message>`, then exit. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}
