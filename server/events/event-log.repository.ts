import { createHash, randomUUID } from "node:crypto";
import { type InferResult, type Kysely, type QueryCreator, sql } from "kysely";
import type {
  EventActor,
  EventContext,
  EventData,
  EventType,
  OrgEvent,
  OrgRole,
  ProjectRole,
} from "../../client-sdk/src/contract/index.js";
import { isOwnerOnly } from "../access/permissions.js";
import { userHasMfa } from "../db/access-columns.js";
import type { Executor, Trx } from "../db/database.js";
import { queryShape } from "../db/query-shapes.js";
import type { Database } from "../db/schema.js";
import type { EventRow } from "../db/tables/events.table.js";
import type { OrgRow } from "../db/tables/orgs.table.js";
import type { ProjectRow } from "../db/tables/projects.table.js";
import { canonicalJson } from "./canonical-json.js";
import { executeAppend } from "./event-append.repository.js";

/** The locked head of one org's log, held for the rest of the transaction. */
export interface LogHead {
  orgId: string;
  seq: number;
  hash: string;
  /** The transaction's time, to the millisecond: every event of the transaction carries it. */
  now: Date;
}

/** What locking the head reads in the same round trip. */
export interface LockedLog {
  head: LogHead;
  /** The org's row, as of the lock. */
  org: OrgRow;
  /** The principal's role in the org (null for none), when a principal was named. */
  memberRole: OrgRole | null;
  /** Whether the principal has MFA on (false when none was named). */
  principalHasMfa: boolean;
  /** The project asked about (row undefined when it is not the org's), and the principal's role on it. */
  project?: { row: ProjectRow | undefined; role: ProjectRole | null };
}

/** An event to append, its `data` typed by its `type` (the contract's schema). */
export type NewEvent = {
  [T in EventType]: {
    type: T;
    actor: EventActor;
    projectId?: string | null;
    target: { type: string; id: string };
    data: EventData<T>;
    context: EventContext | null;
  };
}[EventType];

/** The envelope with `context` and `hash`: what audit viewers see and what the bus carries. */
export type FullEvent = OrgEvent & { context: EventContext | null; hash: string; subjectUserId: string | null };

type LockValues = { orgId: string; principalId: string | null; projectId: string | null };
const lockQuery = (db: Kysely<Database>, v: LockValues) =>
  db
    .selectFrom("event_heads")
    .innerJoin("orgs", "orgs.id", "event_heads.org_id")
    .leftJoin("memberships", (join) =>
      join.onRef("memberships.org_id", "=", "event_heads.org_id").on("memberships.user_id", "=", v.principalId),
    )
    .leftJoin("projects", (join) =>
      join.onRef("projects.org_id", "=", "event_heads.org_id").on("projects.id", "=", v.projectId),
    )
    .leftJoin("project_members", (join) =>
      join.onRef("project_members.project_id", "=", "projects.id").on("project_members.user_id", "=", v.principalId),
    )
    .select([
      "event_heads.seq",
      "event_heads.hash",
      "memberships.role",
      "orgs.name as org_name",
      "orgs.settings as org_settings",
      "orgs.created_by as org_created_by",
      "orgs.created_at as org_created_at",
      "orgs.deleted_at as org_deleted_at",
      "projects.id as project_id",
      "projects.name as project_name",
      "projects.created_at as project_created_at",
      "project_members.role as project_role",
      userHasMfa(v.principalId).as("principal_has_mfa"),
      sql<Date>`date_trunc('milliseconds', now())`.as("now"),
      "event_heads.access_seq",
      // The head as this statement's snapshot saw it, before any wait for the lock.
      sql<number>`(select h.access_seq from event_heads h where h.org_id = ${v.orgId})`.as("snapshot_access_seq"),
    ])
    .where("event_heads.org_id", "=", v.orgId)
    .forUpdate(["event_heads"]);
type LockRow = InferResult<ReturnType<typeof lockQuery>>[number];
/** Every mutation's first statement: built once per variant (deleted orgs too, or not). */
const lockStatement = queryShape<LockValues>(["orgId", "principalId", "projectId"], (db, v, variant) =>
  variant === "deleted too" ? lockQuery(db, v) : lockQuery(db, v).where("orgs.deleted_at", "is", null),
);

/**
 * Locks the org's log head. Every mutation calls this first, so an org's mutations run one at a
 * time, seq has no gaps and seq order is commit order. Undefined when the org has no log or is
 * deleted. The same round trip reads the org's row, the principal's role and whether they have
 * MFA on (with `principalId`), and a project with the principal's role on it (with `projectId`):
 * a mutation re-checks access under the lock at no extra cost, and at one more round trip when it
 * waited for the lock behind a change that may have changed access.
 */
export async function lockLogHead(
  trx: Trx,
  orgId: string,
  principalId?: string,
  options: { includeDeleted?: boolean; projectId?: string } = {},
): Promise<LockedLog | undefined> {
  const projectId = options.projectId ?? null;
  const statement = lockStatement(
    { orgId, principalId: principalId ?? null, projectId },
    options.includeDeleted ? "deleted too" : "",
  );
  let row = (await trx.executeQuery<LockRow>(statement)).rows[0];
  // Waited for the lock while another mutation changed access: Postgres re-read only the head row,
  // not the rows joined to it (a role, a project), which may predate that mutation. Read them
  // again: the lock is ours now, so this statement's snapshot holds every change made under it.
  // Mutations that only wrote resources meanwhile left those rows as they were (./README.md).
  if (row && Number(row.access_seq) !== Number(row.snapshot_access_seq)) {
    row = (await trx.executeQuery<LockRow>(statement)).rows[0];
  }
  if (!row) return undefined;
  const org: OrgRow = {
    id: orgId,
    name: row.org_name,
    settings: row.org_settings,
    created_by: row.org_created_by,
    created_at: row.org_created_at,
    deleted_at: row.org_deleted_at,
  };
  const projectRow: ProjectRow | undefined =
    row.project_id !== null && row.project_name !== null && row.project_created_at !== null
      ? { id: row.project_id, org_id: orgId, name: row.project_name, created_at: row.project_created_at }
      : undefined;
  return {
    head: { orgId, seq: Number(row.seq), hash: row.hash, now: new Date(row.now) },
    org,
    memberRole: row.role,
    principalHasMfa: Boolean(row.principal_has_mfa),
    project: projectId === null ? undefined : { row: projectRow, role: row.project_role },
  };
}

export async function createLogHead(trx: Trx, orgId: string): Promise<LockedLog> {
  await trx.insertInto("event_heads").values({ org_id: orgId, seq: 0, hash: "" }).execute();
  const locked = await lockLogHead(trx, orgId);
  if (!locked) throw new Error("log head vanished inside its own transaction");
  return locked;
}

/** Appends one event at head.seq + 1 and advances the head (in memory and in the table). */
export async function appendEvent(trx: Trx, head: LogHead, input: NewEvent): Promise<FullEvent> {
  return (await appendEventWith(trx, head, input)).event;
}

/**
 * `appendEvent`, with `change` in the same statement when given: the domain write, the log row
 * and the head move in one round trip (data-modifying CTEs run together, all or none). Answers the
 * rows `change` returned.
 */
export async function appendEventWith<R>(
  trx: Trx,
  head: LogHead,
  input: NewEvent,
  change?: (db: QueryCreator<Database>) => unknown,
): Promise<{ event: FullEvent; rows: R[] }> {
  const seq = head.seq + 1;
  const data: Record<string, unknown> = input.data;
  const subjectUserId =
    input.target.type === "user" ? input.target.id : typeof data.userId === "string" ? data.userId : null;
  const body = {
    id: randomUUID(),
    orgId: head.orgId,
    seq,
    type: input.type,
    occurredAt: head.now.toISOString(),
    actor: input.actor,
    projectId: input.projectId ?? null,
    target: input.target,
    data,
    context: input.context,
  };
  const hash = chainHash(head.hash, body);
  const row = {
    id: body.id,
    org_id: head.orgId,
    seq,
    type: input.type,
    occurred_at: head.now,
    actor_type: input.actor.type,
    actor_id: input.actor.id,
    actor_email: input.actor.email ?? null,
    project_id: body.projectId,
    target_type: input.target.type,
    target_id: input.target.id,
    subject_user_id: subjectUserId,
    owner_only: isOwnerOnly(input.type),
    data: JSON.stringify(data),
    context: input.context ? JSON.stringify(input.context) : null,
    prev_hash: head.hash,
    hash,
  };
  const rows = await executeAppend<R>(trx, row, !ACCESS_UNCHANGED.has(input.type), change);
  head.seq = seq;
  head.hash = hash;
  return { event: { ...body, hash, subjectUserId } as FullEvent, rows };
}

/**
 * Event types whose mutations change none of the rows `lockLogHead` reads with the lock: a
 * mutation that waited behind them need not read those rows again. Every other type (new ones
 * included) moves the head's `access_seq`.
 */
const ACCESS_UNCHANGED: ReadonlySet<string> = new Set(["resource.created", "resource.updated", "resource.deleted"]);

/** sha256 over the previous hash and the row's canonical JSON. */
export function chainHash(
  prevHash: string,
  body: Omit<FullEvent, "hash" | "subjectUserId" | "context" | "data"> & {
    data: Record<string, unknown>;
    context: EventContext | null;
  },
): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(body)).digest("hex");
}

export function rowToEvent(row: EventRow): FullEvent {
  return {
    id: row.id,
    orgId: row.org_id,
    seq: Number(row.seq),
    type: row.type,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, ...(row.actor_email ? { email: row.actor_email } : {}) },
    projectId: row.project_id,
    target: { type: row.target_type, id: row.target_id },
    data: row.data,
    context: row.context,
    hash: row.hash,
    subjectUserId: row.subject_user_id,
  } as FullEvent;
}

/** What the bus carries and what the API shows: the envelope, with the audit-only parts when asked. */
export function projectEvent(event: FullEvent, audit: boolean): OrgEvent {
  const { context, hash, subjectUserId: _subject, ...rest } = event;
  return (audit ? { ...rest, context: context ?? undefined, hash } : rest) as OrgEvent;
}

export interface LogFilter {
  orgWide: boolean;
  ownerOnly: boolean;
  userId: string;
}

/** Every entry of the log: what a node's stream reads to fill a gap. */
export const WHOLE_LOG: LogFilter = { orgWide: true, ownerOnly: true, userId: "" };

/**
 * Events with seq > since that a viewer may see, in seq order (docs/access.md). `limit` counts the
 * viewer's events, not raw rows; `untilSeq` bounds the read (inclusive) when given.
 */
export async function listEventsForView(
  db: Executor,
  orgId: string,
  view: LogFilter,
  options: { since: number; limit: number; untilSeq?: number },
): Promise<FullEvent[]> {
  return (await viewQuery(db, orgId, view, options).execute()).map(rowToEvent);
}

function viewQuery(
  db: Executor,
  orgId: string,
  view: LogFilter,
  options: { since: number; limit: number; untilSeq?: number },
) {
  let query = db
    .selectFrom("events")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("seq", ">", options.since)
    .orderBy("seq")
    .limit(options.limit);
  if (options.untilSeq !== undefined) query = query.where("seq", "<=", options.untilSeq);
  if (!view.ownerOnly) query = query.where("owner_only", "=", false);
  if (!view.orgWide) {
    // Guests: events about themselves, and events of the projects they are on.
    const userId = view.userId;
    query = query.where((eb) =>
      eb.or([
        eb("subject_user_id", "=", userId),
        eb(
          "project_id",
          "in",
          eb
            .selectFrom("project_members")
            .select("project_id")
            .where("org_id", "=", orgId)
            .where("user_id", "=", userId),
        ),
      ]),
    );
  }
  return query;
}

/**
 * `listEventsForView` cut where the running size passes `maxBytes` (keeping at least one event),
 * measured in Postgres so that rows past the budget never reach the node. `more` says whether the
 * view may hold more events after the page (a full page, or one cut short by size).
 */
export async function listEventsForViewSized(
  db: Executor,
  orgId: string,
  view: LogFilter,
  options: { since: number; limit: number; untilSeq?: number; maxBytes: number },
): Promise<{ events: FullEvent[]; more: boolean }> {
  const query = viewQuery(db, orgId, view, options);
  const { rows } = await sql<EventRow & { page_fetched: number }>`
    select * from (
      select page.*, row_number() over w as page_position, sum(${EVENT_BYTES}) over w as page_bytes,
        count(*) over () as page_fetched
      from (${query}) as page
      window w as (order by seq)
    ) as sized
    where page_position = 1 or page_bytes <= ${options.maxBytes}
    order by seq`.execute(db);
  const fetched = Number(rows[0]?.page_fetched ?? 0);
  return { events: rows.map(rowToEvent), more: rows.length < fetched || fetched === options.limit };
}

/** What an event weighs once read: its JSON parts as text, plus under 512 bytes of fixed fields. */
const EVENT_BYTES = sql`octet_length(page.data::text) + coalesce(octet_length(page.context::text), 0) + 512`;

/**
 * Deletes the log's entries older than `cutoff`, at most `batch` of them, as a prefix: the hash of
 * the last one deleted becomes the anchor the first kept entry links to. The caller holds the
 * head's lock. Returns how many were deleted.
 */
export async function prunePrefix(trx: Trx, orgId: string, cutoff: Date, batch: number): Promise<number> {
  const head = await trx.selectFrom("event_heads").select("anchor_seq").where("org_id", "=", orgId).executeTakeFirst();
  if (!head) return 0;
  // The newest entry before the cutoff, through the (org_id, occurred_at, seq) index.
  const last = await trx
    .selectFrom("events")
    .select("seq")
    .where("org_id", "=", orgId)
    .where("occurred_at", "<", cutoff)
    .orderBy("occurred_at", "desc")
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!last) return 0;
  const upTo = Math.min(Number(last.seq), Number(head.anchor_seq) + batch);
  const anchor = await trx
    .selectFrom("events")
    .select(["seq", "hash"])
    .where("org_id", "=", orgId)
    .where("seq", "=", upTo)
    .executeTakeFirst();
  if (!anchor) return 0;
  const result = await trx.deleteFrom("events").where("org_id", "=", orgId).where("seq", "<=", upTo).executeTakeFirst();
  await trx
    .updateTable("event_heads")
    .set({ anchor_seq: upTo, anchor_hash: anchor.hash })
    .where("org_id", "=", orgId)
    .execute();
  return Number(result.numDeletedRows);
}

/** Raw rows from `fromSeq` on, in seq order, for walking the chain. */
export function logRowsFrom(db: Executor, orgId: string, fromSeq: number, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom("events")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("seq", ">=", fromSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}
