/** Counts bytes and records of an export as its text streams by. */
export class RowCounter {
  bytes = 0;
  #newlines = 0;
  #quoted = false;
  #endsWithNewline = true;

  constructor(readonly format: "csv" | "ndjson") {}

  add(chunk: string): void {
    this.bytes += Buffer.byteLength(chunk);
    if (chunk.length === 0) return;
    if (this.format === "ndjson") {
      for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) this.#newlines++;
    } else {
      // A newline inside a quoted CSV field is not a record end; `""` toggles twice, so it is neutral.
      for (const ch of chunk) {
        if (ch === '"') this.#quoted = !this.#quoted;
        else if (ch === "\n" && !this.#quoted) this.#newlines++;
      }
    }
    this.#endsWithNewline = chunk.endsWith("\n");
  }

  /** Records so far (the CSV header row is not one). */
  get rows(): number {
    const lines = this.#newlines + (this.#endsWithNewline ? 0 : 1);
    return this.format === "csv" ? Math.max(0, lines - 1) : lines;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A progress line on stderr: redrawn in place (`\r`) on a terminal at most every 100 ms, and a
 * plain line at most every second otherwise, so logs stay readable.
 */
export class Progress {
  #last = 0;
  #drawn = false;
  readonly #tty: boolean;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.#tty = stream.isTTY === true;
  }

  update(text: () => string): void {
    const now = Date.now();
    if (now - this.#last < (this.#tty ? 100 : 1000)) return;
    this.#last = now;
    if (this.#tty) {
      this.stream.write(`\r${text()}\u001b[K`);
      this.#drawn = true;
    } else {
      this.stream.write(`${text()}\n`);
    }
  }

  /** Wipes the in-place line, if any. */
  clear(): void {
    if (this.#drawn) this.stream.write("\r\u001b[K");
    this.#drawn = false;
  }

  /** The final line. */
  done(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }
}
