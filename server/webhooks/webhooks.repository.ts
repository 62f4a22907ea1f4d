import { type ExpressionBuilder, type Insertable, type QueryCreator, sql } from "kysely";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { Database } from "../db/schema.js";
import type { WebhookDeliveriesTable, WebhookRow } from "../db/tables/webhooks.table.js";

/**
 * What every write of the delivering node requires: it still holds the lease, the cursor is where
 * it read it (no replay or other holder moved it), and the endpoint is on.
 */
const heldAt = (id: string, owner: string, from: number) => (eb: ExpressionBuilder<Database, "webhooks">) =>
  eb.and([eb("id", "=", id), eb("lease_owner", "=", owner), eb("delivered_seq", "=", from), eb("enabled", "=", true)]);

/** Query builders for `MutationScope.write` (the change and its event in one statement). */
export function insertingWebhook(row: {
  id: string;
  orgId: string;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  createdBy: string;
  deliveredSeq: number;
}) {
  return (db: QueryCreator<Database>) =>
    db
      .insertInto("webhooks")
      .values({
        id: row.id,
        org_id: row.orgId,
        url: row.url,
        events: JSON.stringify(row.events),
        description: row.description,
        secret: row.secret,
        created_by: row.createdBy,
        disabled_reason: null,
        delivered_seq: row.deliveredSeq,
      })
      .returningAll();
}

export interface WebhookPatch {
  url?: string;
  events?: string[];
  description?: string;
  enabled?: boolean;
}

export function updatingWebhook(orgId: string, id: string, patch: WebhookPatch) {
  return (db: QueryCreator<Database>) =>
    db
      .updateTable("webhooks")
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        // Turned back on: from where it stopped, due now, with a fresh retry schedule.
        ...(patch.enabled === true
          ? { enabled: true, disabled_reason: null, attempts: 0, failing_since: null, next_attempt_at: sql`now()` }
          : {}),
        ...(patch.enabled === false ? { enabled: false, disabled_reason: "owner" as const } : {}),
      })
      .where("org_id", "=", orgId)
      .where("id", "=", id)
      .returningAll();
}

export function deletingWebhook(orgId: string, id: string) {
  return (db: QueryCreator<Database>) =>
    db.deleteFrom("webhooks").where("org_id", "=", orgId).where("id", "=", id).returning("id");
}

/**
 * Moves the cursor back to just before `since` (never forward: that would skip events not yet
 * delivered), with a fresh retry schedule, due now. A holder mid-delivery notices: its next cursor
 * write expects the old position and fails.
 */
export function replayingWebhook(orgId: string, id: string, since: number) {
  return (db: QueryCreator<Database>) =>
    db
      .updateTable("webhooks")
      .set({
        delivered_seq: sql`least(delivered_seq, ${since - 1})`,
        attempts: 0,
        failing_since: null,
        next_attempt_at: sql`now()`,
      })
      .where("org_id", "=", orgId)
      .where("id", "=", id)
      .returningAll();
}

export function findWebhook(db: Executor, orgId: string, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom("webhooks").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
}

export function listWebhooks(db: Executor, orgId: string, page: { limit: number; after?: Keyset }) {
  const query = db.selectFrom("webhooks").selectAll().where("org_id", "=", orgId);
  return keysetPage(query, ["created_at", "id"], page).execute();
}

export const countWebhooks = async (db: Executor, orgId: string): Promise<number> =>
  Number(
    (
      await db
        .selectFrom("webhooks")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("org_id", "=", orgId)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** An endpoint as its holder needs it: the row, and its org's head. */
export async function loadForDelivery(db: Executor, id: string) {
  return db
    .selectFrom("webhooks")
    .innerJoin("event_heads", "event_heads.org_id", "webhooks.org_id")
    .selectAll("webhooks")
    .select("event_heads.seq as head_seq")
    .where("webhooks.id", "=", id)
    .executeTakeFirst();
}

/**
 * The holder acknowledges events up to `to` (delivered, or not matching the filters): only if it
 * still holds the lease, the endpoint is still on, and the cursor is still at `from` (a replay or
 * a new holder moved it otherwise). Answers whether it moved.
 */
export async function advanceCursor(
  db: Executor,
  id: string,
  owner: string,
  from: number,
  to: number,
): Promise<boolean> {
  const result = await db
    .updateTable("webhooks")
    .set({ delivered_seq: to, attempts: 0, failing_since: null })
    .where(heldAt(id, owner, from))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A failed try of the next event after `from`: counts it, notes when the failing began, sets the
 * next try `delayMs` from now (Postgres's clock, which the claims compare with) and gives the lease back.
 */
export async function recordFailure(
  db: Executor,
  id: string,
  owner: string,
  from: number,
  failure: { attempts: number; delayMs: number },
): Promise<boolean> {
  const result = await db
    .updateTable("webhooks")
    .set({
      attempts: failure.attempts,
      failing_since: sql`coalesce(failing_since, now())`,
      next_attempt_at: sql`now() + ${failure.delayMs} * interval '1 millisecond'`,
      lease_owner: null,
      lease_until: null,
    })
    .where(heldAt(id, owner, from))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Orgwire turns an endpoint off after its retries ran out (in the same transaction as `webhook.disabled`). */
export function disablingFailedWebhook(id: string, owner: string, from: number) {
  return (db: QueryCreator<Database>) =>
    db
      .updateTable("webhooks")
      .set({ enabled: false, disabled_reason: "failing", lease_owner: null, lease_until: null })
      .where(heldAt(id, owner, from))
      .returningAll();
}

/**
 * A 2xx: logs the attempt and moves the cursor to `to` in one statement (one round trip), with
 * the same conditions as `advanceCursor`. The attempt is logged even when the cursor cannot move.
 */
export async function recordSuccess(
  db: Executor,
  delivery: Insertable<WebhookDeliveriesTable>,
  move: { id: string; owner: string; from: number; to: number },
): Promise<boolean> {
  const result = await db
    .with("logged", (q) => q.insertInto("webhook_deliveries").values(delivery))
    .updateTable("webhooks")
    .set({ delivered_seq: move.to, attempts: 0, failing_since: null })
    .where(heldAt(move.id, move.owner, move.from))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertDelivery(db: Executor, row: Insertable<WebhookDeliveriesTable>): Promise<void> {
  await db.insertInto("webhook_deliveries").values(row).execute();
}

/** An endpoint's delivery attempts, newest first, keyset-paged on (attempted_at, id). */
export function listDeliveries(db: Executor, webhookId: string, page: { limit: number; after?: Keyset }) {
  const query = db.selectFrom("webhook_deliveries").selectAll().where("webhook_id", "=", webhookId);
  return keysetPage(query, ["attempted_at", "id"], { ...page, newestFirst: true }).execute();
}

/** The delivery log keeps 30 days (owners look at recent failures; the events stay in the audit log). */
export async function pruneDeliveries(db: Executor, before: Date): Promise<number> {
  const result = await db.deleteFrom("webhook_deliveries").where("attempted_at", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The claim's condition for an endpoint (`c`) given its org's head (`h`): on, and behind. */
export const endpointHasWork = () => sql`c.enabled and c.delivered_seq < h.seq`;

/** Whether any endpoint is on anywhere: while none is, a node's nudges cost nothing. */
export async function anyEnabledWebhook(db: Executor): Promise<boolean> {
  return Boolean(await db.selectFrom("webhooks").select("id").where("enabled", "=", true).limit(1).executeTakeFirst());
}
