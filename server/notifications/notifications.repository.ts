import { type QueryCreator, sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { Database } from "../db/schema.js";

/** An org's mail cursor starts right after `afterSeq` (in the transaction that turned mail on). */
export function insertCursor(db: Executor, orgId: string, afterSeq: number, digestDueAt: Date) {
  return db
    .insertInto("notification_cursors")
    .values({ org_id: orgId, delivered_seq: afterSeq, digest_due_at: digestDueAt })
    .onConflict((oc) => oc.column("org_id").doNothing())
    .execute();
}

/** Every notification turned off: no cursor, so commits cost the mailer nothing. */
export function deleteCursor(db: Executor, orgId: string) {
  return db.deleteFrom("notification_cursors").where("org_id", "=", orgId).execute();
}

/** The cursor as its holder needs it: with the org's head, name, settings, and whether it is deleted. */
export function loadCursor(db: Executor, orgId: string) {
  return db
    .selectFrom("notification_cursors as c")
    .innerJoin("event_heads as h", "h.org_id", "c.org_id")
    .innerJoin("orgs as o", "o.id", "c.org_id")
    .selectAll("c")
    .select(["h.seq as head_seq", "o.name as org_name", "o.settings", "o.deleted_at"])
    .where("c.org_id", "=", orgId)
    .executeTakeFirst();
}

export function ownersOf(db: Executor, orgId: string) {
  return db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.email", "u.name"])
    .where("m.org_id", "=", orgId)
    .where("m.role", "=", "owner")
    .orderBy("u.id")
    .execute();
}

export function usersByIds(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("users").select(["id", "email", "name"]).where("id", "in", ids).execute();
}

/** The owners a mail (an event id, or a digest's key) already went to. */
export async function sentTo(db: Executor, orgId: string, key: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom("notification_mails")
    .select("user_id")
    .where("org_id", "=", orgId)
    .where("mail_key", "=", key)
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

export async function markSent(db: Executor, orgId: string, key: string, userId: string): Promise<void> {
  await db
    .insertInto("notification_mails")
    .values({ org_id: orgId, mail_key: key, user_id: userId })
    .onConflict((oc) => oc.columns(["org_id", "mail_key", "user_id"]).doNothing())
    .execute();
}

/** Moves the cursor from `from` to `to`, only for the lease holder and if nobody moved it meanwhile. */
export async function advance(db: Executor, orgId: string, owner: string, from: number, to: number) {
  const result = await db
    .updateTable("notification_cursors")
    .set({ delivered_seq: to, attempts: 0, failing_since: null })
    .where("org_id", "=", orgId)
    .where("lease_owner", "=", owner)
    .where("delivered_seq", "=", from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A mail of the event after `from` could not be sent: try again after `delayMs`; gives the lease back. */
export async function recordFailure(
  db: Executor,
  orgId: string,
  owner: string,
  from: number,
  attempts: number,
  delayMs: number,
) {
  await db
    .updateTable("notification_cursors")
    .set({
      attempts,
      failing_since: sql`coalesce(failing_since, now())`,
      next_attempt_at: sql`now() + ${delayMs} * interval '1 millisecond'`,
      lease_owner: null,
      lease_until: null,
    })
    .where("org_id", "=", orgId)
    .where("lease_owner", "=", owner)
    .where("delivered_seq", "=", from)
    .execute();
}

/** The next digest is due at `next` (the one due at `due` was sent, or not wanted). */
export async function rollDigest(db: Executor, orgId: string, owner: string, due: Date, next: Date) {
  await db
    .updateTable("notification_cursors")
    .set({ digest_due_at: next })
    .where("org_id", "=", orgId)
    .where("lease_owner", "=", owner)
    .where("digest_due_at", "=", due)
    .execute();
}

/** A week of the org's log: counts by type, and the five most active actors. */
export async function digestFigures(db: Executor, orgId: string, from: Date, to: Date) {
  const inWeek = (q: QueryCreator<Database>) =>
    q.selectFrom("events").where("org_id", "=", orgId).where("occurred_at", ">=", from).where("occurred_at", "<", to);
  const counts = await inWeek(db)
    .select(["type", (eb) => eb.fn.countAll<string>().as("count")])
    .groupBy("type")
    .execute();
  const actors = await inWeek(db)
    .select([
      "actor_type",
      "actor_id",
      (eb) => eb.fn.max("actor_email").as("email"),
      (eb) => eb.fn.countAll<string>().as("count"),
    ])
    .groupBy(["actor_type", "actor_id"])
    .orderBy("count", "desc")
    .orderBy("actor_id")
    .limit(5)
    .execute();
  return {
    counts: counts.map((c) => ({ type: c.type, count: Number(c.count) })),
    actors: actors.map((a) => ({ type: a.actor_type, id: a.actor_id, email: a.email, count: Number(a.count) })),
  };
}

/** The claim's condition for an org's mail cursor (`c`) given its head (`h`): events to mail, or a digest due. */
export const cursorHasWork = (now: Date) => sql`(c.delivered_seq < h.seq or c.digest_due_at <= ${now})`;

/** Whether any org wants mail at all: while none does, a node's nudges cost nothing. */
export async function anyCursor(db: Executor): Promise<boolean> {
  return Boolean(await db.selectFrom("notification_cursors").select("org_id").limit(1).executeTakeFirst());
}
