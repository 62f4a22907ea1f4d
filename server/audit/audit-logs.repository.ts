import { sql } from "kysely";
import { type AuditFilters, typesMatching } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import type { EventRow } from "./events.table.js";

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
  const types = filters.action ? typesMatching(filters.action) : [undefined];
  if (types.length === 0) return [];
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
  if (types.length === 1) return branch(types[0]).execute();
  const direction = options.order === "desc" ? sql`desc` : sql`asc`;
  const merged = await sql<EventRow>`select * from (${sql.join(
    types.map((t) => branch(t)),
    sql` union all `,
  )}) as merged order by occurred_at ${direction}, seq ${direction} limit ${options.limit}`.execute(db);
  return merged.rows;
}

export function logHeadAndAnchor(db: Executor, orgId: string) {
  return db
    .selectFrom("event_heads")
    .select(["seq", "anchor_seq", "anchor_hash"])
    .where("org_id", "=", orgId)
    .executeTakeFirst();
}
