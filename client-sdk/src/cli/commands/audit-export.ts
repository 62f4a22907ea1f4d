import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Args } from "../args.js";
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { actionOption } from "../filters.js";
import { formatBytes, Progress, RowCounter } from "../progress.js";

/**
 * Streams `client.audit.export` into a temporary file beside FILE (the write stream's
 * backpressure paces the download), then renames it to FILE: an export that fails or is
 * interrupted leaves nothing behind, and an older FILE untouched.
 */
export async function exportAudit(ctx: Context, args: Args): Promise<number> {
  const format = args.need("format");
  if (format !== "csv" && format !== "ndjson") {
    throw new UsageError("--format must be csv or ndjson", args.command.path);
  }
  const orgId = args.need("org");
  const file = resolve(args.need("out"));
  const query = {
    format,
    action: actionOption(args),
    actorId: args.string("actor"),
    from: args.string("from"),
    to: args.string("to"),
  } as const;
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  const counter = new RowCounter(format);
  const progress = new Progress(ctx.out.streams.stderr);
  const status = () => `exporting: ${counter.rows.toLocaleString("en")} rows, ${formatBytes(counter.bytes)}`;
  // Ctrl-C cancels the download itself, so the process ends at once.
  const controller = new AbortController();
  const client = ctx.client(controller.signal);
  const abort = () => controller.abort();
  process.once("SIGINT", abort);
  process.once("SIGTERM", abort);
  const started = Date.now();
  try {
    // Open the file before asking for the export: the server records every export it serves.
    const sink = createWriteStream(temp);
    await once(sink, "open");
    await pipeline(
      client.audit.export(orgId, query),
      async function* count(chunks: AsyncIterable<string>) {
        for await (const chunk of chunks) {
          counter.add(chunk);
          progress.update(status);
          yield chunk;
        }
      },
      sink,
      { signal: controller.signal },
    );
    await rename(temp, file);
  } catch (error) {
    progress.clear();
    await rm(temp, { force: true });
    if ((error as NodeJS.ErrnoException).syscall) {
      throw new CliError(`cannot write ${file}: ${(error as Error).message}`);
    }
    if (!controller.signal.aborted) throw error;
    ctx.out.note("export interrupted; no file written");
    return 130;
  } finally {
    process.off("SIGINT", abort);
    process.off("SIGTERM", abort);
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = { file, format, rows: counter.rows, bytes: counter.bytes, seconds };
  progress.done(
    `exported ${summary.rows.toLocaleString("en")} rows (${formatBytes(summary.bytes)}) to ${file} in ${seconds.toFixed(1)} s`,
  );
  if (ctx.out.json) ctx.out.record(summary, () => "");
  return 0;
}
