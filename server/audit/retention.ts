import { DEFAULT_AUDIT_RETENTION_DAYS } from "../../client-sdk/src/contract/index.js";
import type { Db } from "../db/database.js";

/** Rows deleted per transaction, so pruning never holds an org's lock for long. */
const BATCH = 5_000;
const DAY_MS = 86_400_000;

/**
 * Deletes each org's entries older than its `settings.auditRetentionDays` (default 365), oldest
 * first and only as a prefix of the log, so what is kept is still one chain. The hash of the last
 * deleted entry is stored as the anchor the first kept entry must link to, so `verify` still
 * detects tampering from there on. Safe on many nodes at once: each batch holds the org's lock.
 */
export async function pruneExpiredEntries(db: Db, now = new Date()): Promise<number> {
  let pruned = 0;
  const orgs = await db.selectFrom("orgs").select(["id", "settings"]).execute();
  for (const org of orgs) {
    const days = org.settings.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    for (;;) {
      const deleted = await pruneBatch(db, org.id, cutoff);
      pruned += deleted;
      if (deleted < BATCH) break;
    }
  }
  return pruned;
}

async function pruneBatch(db: Db, orgId: string, cutoff: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const head = await trx
      .selectFrom("event_heads")
      .select(["anchor_seq"])
      .where("org_id", "=", orgId)
      .forUpdate()
      .executeTakeFirst();
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
    const upTo = Math.min(Number(last.seq), Number(head.anchor_seq) + BATCH);
    const anchor = await trx
      .selectFrom("events")
      .select(["seq", "hash"])
      .where("org_id", "=", orgId)
      .where("seq", "=", upTo)
      .executeTakeFirst();
    if (!anchor) return 0;
    const result = await trx
      .deleteFrom("events")
      .where("org_id", "=", orgId)
      .where("seq", "<=", upTo)
      .executeTakeFirst();
    await trx
      .updateTable("event_heads")
      .set({ anchor_seq: upTo, anchor_hash: anchor.hash })
      .where("org_id", "=", orgId)
      .execute();
    return Number(result.numDeletedRows);
  });
}
