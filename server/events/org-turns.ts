import type { Db } from "../db/database.js";

/**
 * Writers of one org on one node take turns, first come first served, before they ask Postgres
 * for the org's lock. Postgres does not queue the waiters of a row lock: when the holder commits,
 * every waiter wakes and they race for the row, so on a busy org one writer can lose many races in
 * a row (8 writers on one org: p99 two to three times pgbench's, with the median well under it).
 * Here the others wait in order, and at most one transaction per org per node waits on the row;
 * across nodes Postgres still decides. A writer takes its turn after BEGIN, so BEGIN's round trip
 * overlaps the turn before it.
 */
export class OrgTurns {
  readonly #waiting = new Map<string, (() => void)[]>();

  /** Resolves when it is the caller's turn on `orgId`; call what it answers when done. */
  async take(orgId: string): Promise<() => void> {
    const queue = this.#waiting.get(orgId);
    if (!queue) this.#waiting.set(orgId, []);
    else await new Promise<void>((resolve) => queue.push(resolve));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.get(orgId)?.shift();
      if (next) next();
      else this.#waiting.delete(orgId);
    };
  }
}

/** One set of turns per database handle, i.e. per node (tests run several nodes in one process). */
const byDb = new WeakMap<Db, OrgTurns>();
export const orgTurnsOf = (db: Db): OrgTurns => byDb.get(db) ?? byDb.set(db, new OrgTurns()).get(db)!;
