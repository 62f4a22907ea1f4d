import { z } from "zod";
import {
  AUDIT_CSV_COLUMNS,
  type AuditExportQuery,
  type AuditFilters,
  type AuditQuery,
  type ChainReport,
} from "../../client-sdk/src/contract/index.js";
import type { Actor, RequestContext } from "../auth/actor.js";
import type { Access } from "../auth/permissions.js";
import type { Db } from "../db/database.js";
import { decodeCursor, encodeCursor } from "../http/cursor.js";
import { invalidRequest } from "../http/errors.js";
import { type EventSink, mutateOrgAsOutsider } from "../orgs/org-mutation.js";
import { auditPage, type LogPosition, logHeadAndAnchor } from "./audit-logs.repository.js";
import { verifyChain } from "./chain.js";
import { csvRecord } from "./csv.js";
import { type FullEvent, projectEvent, rowToEvent } from "./event-log.repository.js";

const positionCursor = z.object({ t: z.iso.datetime(), s: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
const position = (e: FullEvent): LogPosition => ({ at: new Date(e.occurredAt), seq: e.seq });
/** Rows per page read by an export: memory stays at one page whatever the log's size. */
const EXPORT_PAGE = 1_000;

function checkRange(filters: AuditFilters) {
  if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
    throw invalidRequest("`from` must be before `to`");
  }
}

function csvLine(e: FullEvent): string {
  return csvRecord([
    e.seq,
    e.occurredAt,
    e.type,
    e.actor.type,
    e.actor.id,
    e.actor.email,
    e.projectId,
    e.target.type,
    e.target.id,
    JSON.stringify(e.data),
    e.context?.ip,
    e.context?.userAgent,
    e.context?.requestId,
    e.hash,
  ]);
}

export function createAuditLogsService({ db, sink }: { db: Db; sink: EventSink }) {
  return {
    /** Newest first; the cursor is a position, so entries added meanwhile never shift a page. */
    async page(access: Access, query: AuditQuery) {
      checkRange(query);
      const after = decodeCursor(query.cursor, positionCursor);
      const rows = await auditPage(db, access.orgId, query, {
        limit: query.limit + 1,
        order: "desc",
        after: after && { at: new Date(after.t), seq: after.s },
      });
      const events = rows.slice(0, query.limit).map(rowToEvent);
      const last = events.at(-1);
      return {
        items: events.map((e) => projectEvent(e, true)),
        nextCursor: rows.length > query.limit && last ? encodeCursor({ t: last.occurredAt, s: last.seq }) : null,
      };
    },

    /**
     * The export's lines, oldest first, up to the head when it starts; then its own
     * `audit.exported` event (also when the download was cut short: reading the log is recorded).
     */
    /**
     * The export, oldest first, up to the head when it starts, yielded one page (1,000 entries) at
     * a time; then its own `audit.exported` event (also when the download was cut short: reading
     * the log is recorded).
     */
    async *exportChunks(actor: Actor, context: RequestContext, access: Access, query: AuditExportQuery) {
      checkRange(query);
      const head = (await logHeadAndAnchor(db, access.orgId))?.seq ?? 0;
      const line = query.format === "csv" ? csvLine : (e: FullEvent) => `${JSON.stringify(projectEvent(e, true))}\n`;
      let count = 0;
      try {
        if (query.format === "csv") yield csvRecord(AUDIT_CSV_COLUMNS);
        let after: LogPosition | undefined;
        for (;;) {
          const rows = await auditPage(db, access.orgId, query, {
            limit: EXPORT_PAGE,
            order: "asc",
            after,
            untilSeq: head,
          });
          const events = rows.map(rowToEvent);
          const last = events.at(-1);
          if (last) {
            count += events.length;
            after = position(last);
            yield events.map(line).join("");
          }
          if (rows.length < EXPORT_PAGE) break;
        }
      } finally {
        // Not re-authorized: the export was allowed when it started, and what was read is recorded
        // even if the reader's access ended during the download.
        await mutateOrgAsOutsider({ db, sink }, { actor, context, orgId: access.orgId }, async ({ record }) => {
          await record({
            type: "audit.exported",
            target: { type: "audit_log", id: access.orgId },
            data: { format: query.format, count },
          });
        });
      }
    },

    async verify(access: Access): Promise<ChainReport> {
      const head = await logHeadAndAnchor(db, access.orgId);
      return verifyChain(db, access.orgId, { seq: Number(head?.anchor_seq ?? 0), hash: head?.anchor_hash ?? "" });
    },
  };
}

export type AuditLogsService = ReturnType<typeof createAuditLogsService>;
