import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { FileMigrationProvider, Migrator } from "kysely/migration";
import type { DatabaseHandle } from "./database.js";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));
/** Arbitrary constant naming "Orgwire schema migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 720_461_913;

/**
 * Brings the schema up to date. On Postgres it holds a session advisory lock for the whole run,
 * so any number of nodes may start at once: one migrates, the others wait and find nothing to do.
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<void> {
  await handle.db.connection().execute(async (conn) => {
    if (handle.kind === "postgres") await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const migrator = new Migrator({
        db: conn,
        provider: new FileMigrationProvider({
          fs,
          path,
          migrationFolder: MIGRATIONS_DIR,
          // Imported from here, not from inside kysely, so tsx/vitest can load .ts migrations.
          import: (module) => import(module),
        }),
      });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === "Error");
      if (error || failed) {
        throw new Error(`migration ${failed?.migrationName ?? ""} failed: ${String(error)}`, { cause: error });
      }
    } finally {
      if (handle.kind === "postgres") await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
