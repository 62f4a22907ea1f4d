import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { DatabaseHandle } from "./database.js";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));
/** Arbitrary constant naming "Orgwire schema migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 720_461_913;

/**
 * Every migration file, named by its file name without the extension (as Kysely's
 * FileMigrationProvider names them). Imported from here, not from inside kysely, so that tsx and
 * vitest load the .ts files.
 */
const migrationFiles: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {};
    for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
      if (file.endsWith(".d.ts") || !/\.(ts|js|mts|mjs)$/.test(file)) continue;
      const module = (await import(join(MIGRATIONS_DIR, file))) as Migration & {
        default?: Migration;
      };
      migrations[file.slice(0, file.lastIndexOf("."))] = module.default ?? module;
    }
    return migrations;
  },
};

/**
 * Brings the schema up to date. On Postgres it holds a session advisory lock for the whole run,
 * so any number of nodes may start at once: one migrates, the others wait and find nothing to do.
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<void> {
  await handle.db.connection().execute(async (conn) => {
    if (handle.kind === "postgres") await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const migrator = new Migrator({ db: conn, provider: migrationFiles });
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
