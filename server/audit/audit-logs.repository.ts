import { sql } from "kysely";
import { type AuditFilters, typesMatching } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import type { EventRow } from "../db/tables/events.table.js";

/** A position in the (occurred_at, seq) order of the log. */
export interface LogPosition {
  at: Date;
  seq: number;
}

export interface AuditPageOptions {
  limit: number;
  /** Newest first for the listing, oldest first for exports. */
  order: "desc" | "asc";
  after?: LogPosition;
  /** Exports stop at the head they started from. */
  untilSeq?: number;
}

/**
 * One page of an org's log in (occurred_at, seq) order. Each filter has an index that starts with
 * (org_id, <filter>) and ends with (occurred_at, seq), so a page reads about `limit` index entries
 * whatever the log's size. A prefix filter (`member.*`) is one such ordered branch per type, merged.
 */
export async function auditPage(db: Executor, orgId: string, filters: AuditFilters, options: AuditPageOptions) {
  const page = auditPageQuery(db, orgId, filters, options);
  if (!page) return [];
  return (await page.execute(db)).rows;
}

/**
 * What an entry weighs once read: its JSON parts as text plus the fixed-size fields (ids, hash,
 * times, type: under 512 bytes). Measured in Postgres, so rows past the budget never reach the node.
 */
const ENTRY_BYTES = sql`octet_length(page.data::text) + coalesce(octet_length(page.context::text), 0) + coalesce(octet_length(page.actor_email), 0) + 512`;

/**
 * An export's page: `auditPage` cut where the entries' running size passes `maxBytes`, keeping at
 * least one entry. Entries carry callers' text (a 512-byte User-Agent, large `data`), so a fixed
 * row count is not a memory bound: this is. `more` says whether entries remain after the page.
 */
export async function auditExportPage(
  db: Executor,
  orgId: string,
  filters: AuditFilters,
  options: AuditPageOptions & { maxBytes: number },
): Promise<{ rows: EventRow[]; more: boolean }> {
  const page = auditPageQuery(db, orgId, filters, options);
  if (!page) return { rows: [], more: false };
  const direction = options.order === "desc" ? sql`desc` : sql`asc`;
  const { rows } = await sql<EventRow & { page_position: string; page_bytes: string; page_fetched: string }>`
    select * from (
      select page.*, row_number() over w as page_position, sum(${ENTRY_BYTES}) over w as page_bytes,
        count(*) over () as page_fetched
      from (${page}) as page
      window w as (order by occurred_at ${direction}, seq ${direction})
    ) as sized
    where page_position = 1 or page_bytes <= ${options.maxBytes}
    order by occurred_at ${direction}, seq ${direction}`.execute(db);
  const fetched = Number(rows[0]?.page_fetched ?? 0);
  // Cut short by size, or a full page of `limit`: there may be more.
  return { rows, more: rows.length < fetched || fetched === options.limit };
}

/** The page's query (undefined when an `action` prefix names no type), for `auditPage` to run or wrap. */
function auditPageQuery(db: Executor, orgId: string, filters: AuditFilters, options: AuditPageOptions) {
  const types = filters.action ? typesMatching(filters.action) : [undefined];
  if (types.length === 0) return undefined;
  const branch = (type: string | undefined) => {
    let q = db.selectFrom("events").selectAll().where("org_id", "=", orgId);
    if (type) q = q.where("type", "=", type as EventRow["type"]);
    if (filters.actorId) q = q.where("actor_id", "=", filters.actorId);
    if (filters.projectId) q = q.where("project_id", "=", filters.projectId.toLowerCase());
    if (filters.from) q = q.where("occurred_at", ">=", new Date(filters.from));
    if (filters.to) q = q.where("occurred_at", "<", new Date(filters.to));
    if (options.untilSeq !== undefined) q = q.where("seq", "<=", options.untilSeq);
    if (options.after) {
      const { at, seq } = options.after;
      q = q.where((eb) =>
        eb(eb.refTuple("occurred_at", "seq"), options.order === "desc" ? "<" : ">", eb.tuple(at, seq)),
      );
    }
    return q.orderBy("occurred_at", options.order).orderBy("seq", options.order).limit(options.limit);
  };
  const direction = options.order === "desc" ? sql`desc` : sql`asc`;
  if (types.length === 1) return sql<EventRow>`${branch(types[0])}`;
  return sql<EventRow>`select * from (${sql.join(
    types.map((t) => branch(t)),
    sql` union all `,
  )}) as merged order by occurred_at ${direction}, seq ${direction} limit ${options.limit}`;
}

export function logHeadAndAnchor(db: Executor, orgId: string) {
  return db
    .selectFrom("event_heads")
    .select(["seq", "anchor_seq", "anchor_hash"])
    .where("org_id", "=", orgId)
    .executeTakeFirst();
}
