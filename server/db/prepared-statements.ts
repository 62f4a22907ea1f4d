import { createHash } from "node:crypto";
import type pg from "pg";

/**
 * Named prepared statements for the SQL a node runs again and again.
 *
 * Kysely sends each query as an unnamed statement, so Postgres parses and plans it every time: for
 * a mutation's locking read and its write-plus-append statement that is a good part of what the
 * database spends on it (pgbench's `-M prepared` skips it too). node-postgres prepares a statement
 * once per connection when the query carries a `name`, and from then on sends only Bind/Execute.
 *
 * Only SQL seen `usesBeforePreparing` times is named, and at most `maxNamed` texts per process:
 * SQL whose text varies with its input (an `in (…)` list of any length) would otherwise fill every
 * connection's backend with statements used once. Short texts (`begin`, `commit`) gain nothing.
 *
 * A migration that changes a table's columns under a running node makes Postgres refuse a prepared
 * `select *` of it once ("cached plan must not change result type"); the text then gets a new name,
 * so the next run prepares it afresh on every connection.
 */
export interface PreparingOptions {
  usesBeforePreparing: number;
  maxNamed: number;
  minLength: number;
  /** Texts counted but not (yet) named; forgotten all at once past this, so the map stays bounded. */
  maxCounted: number;
}
const DEFAULTS: PreparingOptions = { usesBeforePreparing: 3, maxNamed: 200, minLength: 40, maxCounted: 5_000 };

/** Postgres' answer when a prepared statement's result columns changed under it (a migration). */
const CACHED_PLAN_CHANGED = "0A000";

type Query = pg.PoolClient["query"];

export function preparingStatements(pool: pg.Pool, options: Partial<PreparingOptions> = {}): pg.Pool {
  const { usesBeforePreparing, maxNamed, minLength, maxCounted } = { ...DEFAULTS, ...options };
  const names = new Map<string, string>();
  let generation = 0;
  const uses = new Map<string, number>();
  const patched = new WeakSet<pg.PoolClient>();

  const nameOf = (text: string): string | undefined => {
    const known = names.get(text);
    if (known || text.length < minLength || names.size >= maxNamed) return known;
    const seen = (uses.get(text) ?? 0) + 1;
    if (seen < usesBeforePreparing) {
      if (uses.size >= maxCounted) uses.clear();
      uses.set(text, seen);
      return undefined;
    }
    uses.delete(text);
    const name = `ow_${createHash("sha1").update(text).digest("base64url").slice(0, 20)}`;
    names.set(text, name);
    return name;
  };

  const patch = (client: pg.PoolClient) => {
    if (patched.has(client)) return;
    patched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      // Kysely's queries are (text, values); anything else (cursors, config objects) goes as is.
      if (typeof text === "string" && Array.isArray(values) && args.length === 2) {
        const name = nameOf(text);
        if (name) {
          return (query({ name, text, values }) as Promise<unknown>).catch((err: { code?: string }) => {
            if (err?.code === CACHED_PLAN_CHANGED && names.get(text) === name)
              names.set(text, `${name}_${++generation}`);
            throw err;
          });
        }
      }
      return query(...args);
    }) as Query;
  };

  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  // Kysely only calls connect() (promise form) and end() on the pool.
  pool.connect = (async () => {
    const client = await connect();
    patch(client);
    return client;
  }) as pg.Pool["connect"];
  return pool;
}
