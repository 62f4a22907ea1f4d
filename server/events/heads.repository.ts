import { sql } from "kysely";
import { orgRequiresMfa } from "../db/access-columns.js";
import type { Executor } from "../db/database.js";

/*
 * Reading the heads of many orgs' logs at once, without locking them: the realtime hub's
 * backstop poll and its attach snapshots.
 */

/** The heads of many orgs at once (the streams' backstop poll), by org id. */
export async function headsOf(db: Executor, orgIds: string[]): Promise<Map<string, number>> {
  if (orgIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("event_heads")
    .select(["org_id", "seq"])
    .where(sql<boolean>`org_id = any(${orgIds}::uuid[])`)
    .execute();
  return new Map(rows.map((h) => [h.org_id, Number(h.seq)]));
}

/** The heads of many orgs' logs, whether each org is live (not deleted) and whether it requires MFA. */
export async function headsAndLiveness(
  db: Executor,
  orgIds: string[],
): Promise<Map<string, { seq: number; live: boolean; requireMfa: boolean }>> {
  if (orgIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("event_heads")
    .innerJoin("orgs", "orgs.id", "event_heads.org_id")
    .select(["event_heads.org_id", "event_heads.seq", "orgs.deleted_at", orgRequiresMfa.as("require_mfa")])
    .where(sql<boolean>`event_heads.org_id = any(${orgIds}::uuid[])`)
    .execute();
  return new Map(
    rows.map((h) => [
      h.org_id,
      { seq: Number(h.seq), live: h.deleted_at === null, requireMfa: Boolean(h.require_mfa) },
    ]),
  );
}
