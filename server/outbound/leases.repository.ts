import { sql } from "kysely";
import type { Executor } from "../db/database.js";

/**
 * Leases on outbound cursor rows (webhook endpoints, orgs' mail notifications): a node works on a
 * row only while it holds its lease, so exactly one node delivers to an endpoint at a time, in
 * order. A live node renews all its leases every third of the lease time; a node that dies stops
 * renewing and another node claims the row once the lease has run out. Every write a holder makes
 * to its row also says `lease_owner = me`, so a node that lost its lease (a long pause) cannot move
 * a cursor that another node now holds. Times come from Postgres's clock, the one clock all nodes share.
 */
export type LeasedTable = "webhooks" | "notification_cursors";

const KEY: Record<LeasedTable, string> = { webhooks: "id", notification_cursors: "org_id" };

/**
 * Claims up to `limit` rows that are due (`next_attempt_at` passed), have work (`workSql`: a
 * condition on the row `c` and its org's head `h`), and that no live lease holds; answers their keys.
 */
export async function claimDue(
  db: Executor,
  table: LeasedTable,
  owner: string,
  leaseMs: number,
  limit: number,
  workSql: ReturnType<typeof sql>,
): Promise<string[]> {
  const key = sql.ref(`c.${KEY[table]}`);
  const { rows } = await sql<{ key: string }>`
    update ${sql.table(table)} as t
       set lease_owner = ${owner}, lease_until = now() + ${leaseMs} * interval '1 millisecond'
     where t.${sql.ref(KEY[table])} in (
       select ${key} from ${sql.table(table)} as c
         join event_heads h on h.org_id = c.org_id
        where c.next_attempt_at <= now()
          and (c.lease_until is null or c.lease_until < now())
          and ${workSql}
        order by c.next_attempt_at
        limit ${limit}
        for update of c skip locked)
    returning t.${sql.ref(KEY[table])} as key`.execute(db);
  return rows.map((r) => r.key);
}

/** Extends every lease `owner` holds in `table`; answers how many it still holds. */
export async function renewLeases(db: Executor, table: LeasedTable, owner: string, leaseMs: number): Promise<number> {
  const result = await sql`
    update ${sql.table(table)} set lease_until = now() + ${leaseMs} * interval '1 millisecond'
     where lease_owner = ${owner}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Gives a row back (when its work is done, or the node stops). */
export async function releaseLease(db: Executor, table: LeasedTable, key: string, owner: string): Promise<void> {
  await sql`
    update ${sql.table(table)} set lease_owner = null, lease_until = null
     where ${sql.ref(KEY[table])} = ${key} and lease_owner = ${owner}`.execute(db);
}

/** Gives back every row `owner` holds (at shutdown, so another node takes over at once). */
export async function releaseAllLeases(db: Executor, table: LeasedTable, owner: string): Promise<void> {
  await sql`update ${sql.table(table)} set lease_owner = null, lease_until = null where lease_owner = ${owner}`.execute(
    db,
  );
}

/** Puts a row off for `ms` (its work failed in a way a retry right away would repeat). */
export async function deferRow(
  db: Executor,
  table: LeasedTable,
  key: string,
  owner: string,
  ms: number,
): Promise<void> {
  await sql`
    update ${sql.table(table)} set next_attempt_at = now() + ${ms} * interval '1 millisecond'
     where ${sql.ref(KEY[table])} = ${key} and lease_owner = ${owner}`.execute(db);
}
