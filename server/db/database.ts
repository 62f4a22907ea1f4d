import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { Config } from "../config.js";
import { openEmbeddedPostgres } from "./embedded.js";
import { PGliteDialect } from "./pglite-dialect.js";
import { preparingStatements } from "./prepared-statements.js";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repository functions take either the pool or a transaction as their first argument. */
export type Executor = Db | Trx;

export interface DatabaseHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** Resolves true while the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const INT8_OID = 20;
/** seq and count(*) are int8; they stay far below 2^53, so numbers are safe and simpler. */
const parseInt8 = (value: string) => Number(value);

export async function openDatabase(
  config: Pick<Config, "DATABASE_URL" | "DATA_DIR"> & Partial<Pick<Config, "DATABASE_PREPARED_STATEMENTS">>,
): Promise<DatabaseHandle> {
  if (config.DATABASE_URL) return openPostgres(config.DATABASE_URL, 20, config.DATABASE_PREPARED_STATEMENTS ?? true);
  const embedded = await openEmbeddedPostgres(config.DATA_DIR, { [INT8_OID]: parseInt8 });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(embedded.pglite) });
  return {
    db,
    kind: "pglite",
    ping: () => pingDb(db),
    async close() {
      await db.destroy();
      await embedded.release();
    },
  };
}

/**
 * The pool of DATABASE_READ_URL (a streaming replica of DATABASE_URL's database), used only by
 * audit reads and exports (server/audit/). Never migrated: a replica gets the schema by replicating
 * it, and refuses writes. Smaller than the primary's pool: exports at once are capped per node
 * (AUDIT_EXPORT_MAX_CONCURRENT) and list pages are short.
 */
export function openReadReplica(url: string, prepare = true): DatabaseHandle {
  return openPostgres(url, 10, prepare);
}

function openPostgres(url: string, max: number, prepare: boolean): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // A burst on one hot org queues for the pool (each mutation holds a connection while it waits
    // for the org's lock); past this the request answers 503 `unavailable`, never 500.
    connectionTimeoutMillis: 15_000,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener that
  // would crash the process. The next query simply gets a fresh connection.
  pool.on("error", () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: prepare ? preparingStatements(pool) : pool }),
  });
  return { db, kind: "postgres", ping: () => pingDb(db), close: () => db.destroy() };
}

async function pingDb(db: Db): Promise<boolean> {
  try {
    await Promise.race([
      db.selectNoFrom((eb) => eb.val(1).as("one")).execute(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
