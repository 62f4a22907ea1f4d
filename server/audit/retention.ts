import { DEFAULT_AUDIT_RETENTION_DAYS } from "../../client-sdk/src/contract/index.js";
import type { Db } from "../db/database.js";
import { prunePrefix } from "../events/event-log.repository.js";
import { withLockedLog } from "../events/unit-of-work.js";
import { listOrgRetentions } from "../orgs/orgs.repository.js";

/** Rows deleted per transaction, so pruning never holds an org's lock for long. */
const BATCH = 5_000;
const DAY_MS = 86_400_000;

/**
 * Deletes each org's entries older than its `settings.auditRetentionDays` (default 365), oldest
 * first and only as a prefix of the log, so what is kept is still one chain. The hash of the last
 * deleted entry is stored as the anchor the first kept entry must link to, so `verify` still
 * detects tampering from there on. Safe on many nodes at once: each batch holds the org's log lock.
 */
export async function pruneExpiredEntries(db: Db, now = new Date()): Promise<number> {
  let pruned = 0;
  for (const org of await listOrgRetentions(db)) {
    const days = org.settings.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    for (;;) {
      const deleted = (await withLockedLog(db, org.id, (trx) => prunePrefix(trx, org.id, cutoff, BATCH))) ?? 0;
      pruned += deleted;
      if (deleted < BATCH) break;
    }
  }
  return pruned;
}
