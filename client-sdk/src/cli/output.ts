import type { OrgEvent } from "../contract/index.js";

export interface Palette {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const ansi =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

/** Colors only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function palette(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Palette {
  const on = stream.isTTY === true && !env.NO_COLOR;
  return on
    ? {
        bold: ansi(1, 22),
        dim: ansi(2, 22),
        red: ansi(31, 39),
        green: ansi(32, 39),
        yellow: ansi(33, 39),
        cyan: ansi(36, 39),
      }
    : { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A table column: its header and how to show one row's cell. */
export type Column<T> = [header: string, cell: (row: T) => string];

/**
 * Human output by default, `--json` for machines: then stdout carries exactly one JSON value per
 * line and nothing else. Notes and errors go to stderr either way.
 */
export class Output {
  readonly color: Palette;
  readonly errColor: Palette;

  constructor(
    readonly json: boolean,
    readonly streams: Streams,
    env: NodeJS.ProcessEnv,
  ) {
    this.color = palette(streams.stdout, env);
    this.errColor = palette(streams.stderr, env);
  }

  /** One record: its JSON on one line with `--json`, else the human line. */
  record(value: unknown, human: () => string): void {
    this.streams.stdout.write(`${this.json ? JSON.stringify(value) : human()}\n`);
  }

  /** A list: one JSON object per line with `--json`, else an aligned table. */
  list<T>(rows: T[], columns: Column<T>[]): void {
    if (this.json) {
      for (const row of rows) this.streams.stdout.write(`${JSON.stringify(row)}\n`);
      return;
    }
    const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
    const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((r) => (r[i] ?? "").length)));
    const line = (values: string[]) =>
      values
        .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd();
    const header = line(columns.map(([h]) => h));
    this.streams.stdout.write(`${this.color.bold(header)}\n`);
    for (const row of cells) this.streams.stdout.write(`${line(row)}\n`);
  }

  /** A diagnostic on stderr (status, progress, revocation reasons). */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** `error: <text>` on stderr. */
  error(text: string): void {
    this.streams.stderr.write(`${this.errColor.red("error:")} ${text}\n`);
  }
}

const TYPE_COLOR: [RegExp, keyof Palette][] = [
  [/\.(created|joined|member_added)$/, "green"],
  [/\.(deleted|removed|revoked|member_removed)$/, "red"],
  [/^(member|invitation|api_key)\./, "yellow"],
];

/** `seq  time  type  actor  target`, one line per event. */
export function eventLine(event: OrgEvent, color: Palette): string {
  const tint = TYPE_COLOR.find(([re]) => re.test(event.type))?.[1] ?? "cyan";
  const actor = event.actor.email ?? `${event.actor.type}:${event.actor.id}`;
  return [
    String(event.seq).padStart(6),
    color.dim(event.occurredAt),
    color[tint](event.type.padEnd(27)),
    actor,
    `${event.target.type}:${event.target.id}`,
  ].join("  ");
}
