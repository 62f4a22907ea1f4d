import { readdir } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { DatabaseHandle } from "./database.js";

/**
 * migrations/ next to server/: the sources (tsx, vitest) or their compiled copy, dist/migrations beside
 * dist/server (tsconfig.build.json keeps the tree's shape), so one relative path serves both.
 */
const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));
/** Arbitrary constant naming "Orgwire schema migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 720_461_913;
const MIGRATION_FILE = /^(.+)\.(ts|mts|js|mjs)$/;
/** The extension this module runs with: .ts from the sources, .js compiled. */
const OWN_EXTENSION = extname(fileURLToPath(import.meta.url)).slice(1);

/**
 * Every migration file, named by its file name without the extension (as Kysely's
 * FileMigrationProvider names them). Imported from here, not from inside kysely, so that tsx and
 * vitest load the .ts files and the compiled server the .js ones. Should a directory hold both
 * versions of one migration (say, compiled next to the sources), only the one of this module's own
 * kind runs: running both would apply it twice, or fail on the duplicate name.
 */
const migrationFiles: MigrationProvider = {
  async getMigrations() {
    const files = new Map<string, string>();
    for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
      const match = MIGRATION_FILE.exec(file);
      if (!match || file.endsWith(".d.ts") || file.endsWith(".d.mts")) continue;
      const [, name = file, extension] = match;
      if (!files.has(name) || extension === OWN_EXTENSION) files.set(name, file);
    }
    const migrations: Record<string, Migration> = {};
    for (const [name, file] of files) {
      const module = (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as Migration & {
        default?: Migration;
      };
      migrations[name] = module.default ?? module;
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
