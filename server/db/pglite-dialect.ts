import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";

/**
 * Kysely on the embedded PGlite (no DATABASE_URL). Kysely ships a PGlite dialect only from 0.29,
 * which requires Node 22; this project runs on Node 20 with Kysely 0.28 (see README, "Node
 * version"), so the dialect lives here, modelled on Kysely's own.
 *
 * PGlite is one connection. Each Kysely transaction runs inside `pglite.transaction()`, which holds
 * PGlite's exclusive lock until it ends, so queries from elsewhere wait instead of landing inside
 * someone else's transaction. Isolation settings have nothing to isolate from and are ignored.
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly pglite: PGlite) {}

  createAdapter() {
    return new PGliteAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PGliteAdapter extends PostgresAdapter {
  // The migrator holds the only connection from lock to unlock: there is nobody to lock out.
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;

  constructor(private readonly pglite: PGlite) {
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    if (this.pglite.closed) throw new Error("the PGlite instance is closed");
    await this.pglite.waitReady;
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }
  async releaseConnection(): Promise<void> {}
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).begin();
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).end(true);
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).end(false);
  }
  /** The PGlite instance belongs to server/db/embedded.ts, which closes it. */
  async destroy(): Promise<void> {}
}

class PGliteConnection implements DatabaseConnection {
  #tx: { handle: PGliteTransaction; finish: (commit: boolean) => void; closed: Promise<void> } | undefined;

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { rows, affectedRows } = await (this.#tx?.handle ?? this.pglite).query<R>(
      query.sql,
      query.parameters as unknown[],
      { rowMode: "object" },
    );
    return { rows: rows ?? [], numAffectedRows: affectedRows == null ? undefined : BigInt(affectedRows) };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported on PGlite");
  }

  /** Resolves once PGlite's transaction has begun; it stays open until `end`. */
  async begin(): Promise<void> {
    let begun!: (tx: PGliteTransaction) => void;
    let beginFailed!: (error: unknown) => void;
    let finish!: (commit: boolean) => void;
    const handle = new Promise<PGliteTransaction>((resolve, reject) => {
      begun = resolve;
      beginFailed = reject;
    });
    const outcome = new Promise<boolean>((resolve) => {
      finish = resolve;
    });
    const closed = this.pglite.transaction(async (tx) => {
      begun(tx);
      // PGlite commits when this returns (and rolls back if it throws).
      if (!(await outcome)) await tx.rollback();
    });
    // A failed BEGIN ends it before `begun`; later outcomes are for `end` to report.
    closed.catch(beginFailed);
    this.#tx = { handle: await handle, finish, closed };
  }

  async end(commit: boolean): Promise<void> {
    const tx = this.#tx;
    if (!tx) throw new Error("no transaction is open");
    this.#tx = undefined;
    tx.finish(commit);
    if (commit) await tx.closed;
    else await tx.closed.catch(() => {});
  }
}
