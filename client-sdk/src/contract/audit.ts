import { z } from "zod";
import { EVENT_TYPES } from "./events.js";
import { text, uuid } from "./primitives.js";

/** `action`: an exact type (`member.removed`) or a prefix ending in `.*` (`member.*`). */
export const actionFilter = z
  .string()
  .max(100)
  .regex(/^[a-z_]+(\.[a-z_]+|\.\*)$/, "must be an event type such as member.removed, or a prefix such as member.*");

const instant = z.iso.datetime({ offset: true });

/** Filters shared by the query and the export: `from` inclusive, `to` exclusive. */
export const auditFilters = z.object({
  actorId: text(100).min(1).optional(),
  action: actionFilter.optional(),
  projectId: uuid.optional(),
  from: instant.optional(),
  to: instant.optional(),
});
export type AuditFilters = z.infer<typeof auditFilters>;

export const auditQuery = auditFilters.extend({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export const auditExportQuery = auditFilters.extend({ format: z.enum(["csv", "ndjson"]).default("ndjson") });
export type AuditExportQuery = z.infer<typeof auditExportQuery>;

export const chainReport = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  brokenAtSeq: z.number().int().optional(),
});
export type ChainReport = z.infer<typeof chainReport>;

/** The event types an `action` filter names. */
export function typesMatching(action: string): string[] {
  if (!action.endsWith(".*")) return [action];
  const prefix = action.slice(0, -1);
  return EVENT_TYPES.filter((t) => t.startsWith(prefix));
}

/** CSV columns of the export (README, Decisions: Audit log), in order. */
export const AUDIT_CSV_COLUMNS = [
  "seq",
  "occurredAt",
  "type",
  "actorType",
  "actorId",
  "actorEmail",
  "projectId",
  "targetType",
  "targetId",
  "data",
  "ip",
  "userAgent",
  "requestId",
  "hash",
] as const;
