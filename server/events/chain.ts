import type { Executor } from "../db/database.js";
import { chainHash, logRowsFrom, rowToEvent } from "./event-log.repository.js";

export interface ChainReport {
  ok: boolean;
  checked: number;
  brokenAtSeq?: number;
}

const PAGE = 1_000;

/**
 * Walks an org's log in seq order and recomputes every hash from the row and the hash before it.
 * The first row whose link or content does not match is reported; pages keep memory flat.
 * `anchor` is the hash the first kept row chains to (empty for a log that was never pruned).
 */
export async function verifyChain(db: Executor, orgId: string, anchor = { seq: 0, hash: "" }): Promise<ChainReport> {
  let prevHash = anchor.hash;
  let expectedSeq = anchor.seq + 1;
  let checked = 0;
  for (;;) {
    const rows = await logRowsFrom(db, orgId, expectedSeq, PAGE);
    for (const row of rows) {
      const { hash, subjectUserId: _s, ...body } = rowToEvent(row);
      const intact =
        Number(row.seq) === expectedSeq && row.prev_hash === prevHash && chainHash(prevHash, body) === hash;
      if (!intact) return { ok: false, checked, brokenAtSeq: expectedSeq };
      prevHash = hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < PAGE) return { ok: true, checked };
  }
}
