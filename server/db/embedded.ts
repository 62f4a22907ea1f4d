import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";

export class DataDirLockedError extends Error {}

/**
 * Opens PGlite in `dataDir/pg`. PGlite neither creates parent folders nor guards against a second
 * process on the same files (which silently loses writes), so this takes `dataDir/orgwire.pid`.
 */
export async function openEmbeddedPostgres(dataDir: string, parsers: Record<number, (value: string) => unknown>) {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, "orgwire.pid");
  takeLock(lockPath);
  try {
    const pglite = await PGlite.create({ dataDir: join(dir, "pg"), parsers });
    return {
      pglite,
      async release() {
        if (!pglite.closed) await pglite.close();
        rmSync(lockPath, { force: true });
      },
    };
  } catch (error) {
    rmSync(lockPath, { force: true });
    throw error;
  }
}

function takeLock(lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(lockPath, "utf8"));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `DATA_DIR ${resolve(lockPath, "..")} is in use by another Orgwire process (pid ${holder}); one process per data dir`,
        );
      }
      rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
