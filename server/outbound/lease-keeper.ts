import type { sql } from "kysely";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import {
  claimDue,
  deferRow,
  type LeasedTable,
  releaseAllLeases,
  releaseLease,
  renewLeases,
} from "./leases.repository.js";

export interface LeaseKeeperOptions {
  db: Db;
  log: Logger;
  table: LeasedTable;
  owner: string;
  leaseMs: number;
  /** How often to look for due rows when nothing nudges (also how soon a dead node's rows move). */
  pollMs: number;
  /** Rows worked on at once. */
  concurrency: number;
  /** Which claimable rows have work: a condition on the row `c` and its org's head `h`. */
  work: () => ReturnType<typeof sql>;
  /** Whether any row could have work at all: nudges are free while there is none. */
  anyWork: () => Promise<boolean>;
  /** Works on one claimed row until it is done or must wait; the lease is given back after. */
  drive: (key: string) => Promise<void>;
}

/** Nudges closer together than this share one claim query (a burst of commits costs one). */
const NUDGE_SPACING_MS = 10;

/**
 * The loop every outbound worker runs on a node: claim due rows (a periodic poll, and a nudge
 * after local commits), drive each one, renew the leases it holds every third of the lease time,
 * and give each row back when done so any node can claim it when there is more.
 */
export function createLeaseKeeper(o: LeaseKeeperOptions) {
  const active = new Map<string, Promise<void>>();
  let stopped = false;
  let claiming: Promise<void> | undefined;
  let again = false;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let lastClaim = 0;
  let anyWork = true;

  async function claim() {
    do {
      again = false;
      lastClaim = Date.now();
      const room = o.concurrency - active.size;
      if (room <= 0 || stopped) return;
      for (const key of await claimDue(o.db, o.table, o.owner, o.leaseMs, room, o.work())) start(key);
    } while (again && !stopped);
  }

  function claimSoon() {
    if (claiming) {
      again = true;
      return;
    }
    claiming = claim()
      .catch((err) => o.log.warn({ err, table: o.table }, "claiming outbound work failed"))
      .finally(() => (claiming = undefined));
  }

  function start(key: string) {
    if (active.has(key)) return;
    const run = o
      .drive(key)
      .catch(async (err) => {
        o.log.error({ err, table: o.table, key }, "outbound work failed; trying again in a minute");
        // Not at once: an error that repeats (a wrong key, a bad row) would spin claim after claim.
        await deferRow(o.db, o.table, key, o.owner, 60_000).catch(() => {});
      })
      .finally(async () => {
        await releaseLease(o.db, o.table, key, o.owner).catch(() => {});
        active.delete(key);
        // More may have come in since the last read: the claim finds it (on any node).
        if (!stopped) nudge();
      });
    active.set(key, run);
  }

  /** After a commit: look for due rows now, at most one claim per NUDGE_SPACING_MS. */
  function nudge() {
    if (stopped || !anyWork || nudgeTimer) return;
    const wait = Math.max(0, lastClaim + NUDGE_SPACING_MS - Date.now());
    nudgeTimer = setTimeout(() => {
      nudgeTimer = undefined;
      claimSoon();
    }, wait);
  }

  const poller = setInterval(() => {
    o.anyWork()
      .then((any) => {
        anyWork = any;
        if (any) claimSoon();
      })
      .catch((err) => o.log.warn({ err, table: o.table }, "outbound poll failed"));
  }, o.pollMs);
  poller.unref();
  const heartbeat = setInterval(
    () => {
      if (active.size > 0) renewLeases(o.db, o.table, o.owner, o.leaseMs).catch(() => {});
    },
    Math.max(50, Math.floor(o.leaseMs / 3)),
  );
  heartbeat.unref();

  return {
    nudge,
    /** Marks that there is work (a row was just created or turned on here), then nudges. */
    wake() {
      anyWork = true;
      nudge();
    },
    /** Stops claiming, lets the rows in hand finish, and gives every lease back. */
    async stop() {
      stopped = true;
      clearInterval(poller);
      clearInterval(heartbeat);
      if (nudgeTimer) clearTimeout(nudgeTimer);
      await claiming;
      await Promise.allSettled(active.values());
      await releaseAllLeases(o.db, o.table, o.owner).catch(() => {});
    },
  };
}
