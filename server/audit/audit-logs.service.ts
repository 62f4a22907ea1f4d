import { z } from "zod";
import {
  AUDIT_CSV_COLUMNS,
  type AuditExportQuery,
  type AuditFilters,
  type AuditQuery,
  type ChainReport,
} from "../../client-sdk/src/contract/index.js";
import type { Access } from "../access/permissions.js";
import type { RequestScope } from "../core/actor.js";
import { invalidRequest } from "../core/errors.js";
import { decodeCursor, encodeCursor } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { verifyChain } from "../events/chain.js";
import { type FullEvent, projectEvent, rowToEvent } from "../events/event-log.repository.js";
import { type EventSink, mutateOrgAsOutsider } from "../events/unit-of-work.js";
import { auditExportPage, auditPage, type LogPosition, logHeadAndAnchor } from "./audit-logs.repository.js";
import { csvRecord } from "./csv.js";

const positionCursor = z.object({ t: z.iso.datetime(), s: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
const position = (e: FullEvent): LogPosition => ({ at: new Date(e.occurredAt), seq: e.seq });
/** Most entries an export reads at once. */
const EXPORT_PAGE_ROWS = 1_000;
/**
 * Most bytes of entries an export reads at once (one larger entry is a page of its own): memory
 * stays at one page whatever the log's size or its entries' size.
 */
export const EXPORT_PAGE_BYTES = 1024 * 1024;

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

/**
 * `readDb`, when given, is a read replica (DATABASE_READ_URL): pages, exports and verification read
 * it, and may trail the primary by its replication lag. `db` (the primary) records the exports.
 */
export function createAuditLogsService({ db, readDb = db, sink }: { db: Db; readDb?: Db; sink: EventSink }) {
  return {
    /** Newest first; the cursor is a position, so entries added meanwhile never shift a page. */
    async page(access: Access, query: AuditQuery) {
      checkRange(query);
      const after = decodeCursor(query.cursor, positionCursor);
      const rows = await auditPage(readDb, access.orgId, query, {
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
     * The export, oldest first, up to the head when it starts, yielded one page (at most
     * EXPORT_PAGE_ROWS entries and about EXPORT_PAGE_BYTES) at a time; the caller reads the next
     * page only once it has written this one. Then its own `audit.exported` event (also when the
     * download was cut short: reading the log is recorded).
     */
    async *exportChunks({ actor, context }: RequestScope, access: Access, query: AuditExportQuery) {
      checkRange(query);
      // The replica's head, so the export is whole up to a point the replica has reached.
      const head = (await logHeadAndAnchor(readDb, access.orgId))?.seq ?? 0;
      const line = query.format === "csv" ? csvLine : (e: FullEvent) => `${JSON.stringify(projectEvent(e, true))}\n`;
      let count = 0;
      try {
        if (query.format === "csv") yield csvRecord(AUDIT_CSV_COLUMNS);
        let after: LogPosition | undefined;
        let limit = EXPORT_PAGE_ROWS;
        for (;;) {
          const { rows, more } = await auditExportPage(readDb, access.orgId, query, {
            limit,
            order: "asc",
            after,
            untilSeq: head,
            maxBytes: EXPORT_PAGE_BYTES,
          });
          const events = rows.map(rowToEvent);
          const last = events.at(-1);
          if (last) {
            count += events.length;
            after = position(last);
            yield events.map(line).join("");
          }
          if (!more || !last) break;
          // Ask for about twice what fitted: large entries do not make Postgres read 1,000 rows
          // to keep a few, and small ones grow the page back to EXPORT_PAGE_ROWS.
          limit = Math.min(EXPORT_PAGE_ROWS, events.length * 2);
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
      const head = await logHeadAndAnchor(readDb, access.orgId);
      return verifyChain(readDb, access.orgId, { seq: Number(head?.anchor_seq ?? 0), hash: head?.anchor_hash ?? "" });
    },
  };
}

export type AuditLogsService = ReturnType<typeof createAuditLogsService>;
