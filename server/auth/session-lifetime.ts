import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { revokeExpiredSessions } from "./auth.repository.js";
import type { SessionRevocations } from "./auth.service.js";

/**
 * A session ends at whichever comes first: `SESSION_IDLE_TIMEOUT_SECONDS` after its last use
 * (an authenticated HTTP request or socket handshake; an open socket is not use) or
 * `SESSION_MAX_AGE_SECONDS` after it was created. Lookups refuse it from that instant; the sweep
 * marks it revoked and disconnects its sockets on every node.
 */
export type SessionLifetimeConfig = Pick<Config, "SESSION_IDLE_TIMEOUT_SECONDS" | "SESSION_MAX_AGE_SECONDS">;

/** Sessions created at or before `createdBefore`, or last seen at or before `seenBefore`, are over. */
export interface SessionCutoffs {
  createdBefore: Date;
  seenBefore: Date;
}

export function sessionCutoffs(config: SessionLifetimeConfig, now = Date.now()): SessionCutoffs {
  return {
    createdBefore: new Date(now - config.SESSION_MAX_AGE_SECONDS * 1000),
    seenBefore: new Date(now - config.SESSION_IDLE_TIMEOUT_SECONDS * 1000),
  };
}

/**
 * How stale `last_seen_at` may get before a use rewrites it: 60 s, so a busy session costs one
 * write a minute rather than one per request, but at most a quarter of the idle lifetime, so a
 * short one (tests, strict deployments) is still kept alive by use. A session may therefore end
 * up to this much before its last use + the idle lifetime.
 */
export function touchIntervalMs(config: SessionLifetimeConfig): number {
  return Math.min(60_000, (config.SESSION_IDLE_TIMEOUT_SECONDS * 1000) / 4);
}

const SWEEP_BATCH = 100;

/**
 * Every `SESSION_SWEEP_MS`, marks live sessions past a lifetime revoked and disconnects their
 * sockets on every node (`revoked {reason: "session_revoked"}`), as logout does. Safe on many
 * nodes: each session is claimed by exactly one sweep (see revokeExpiredSessions).
 */
export function startSessionSweep(deps: {
  db: Db;
  log: Logger;
  revocations: SessionRevocations;
  config: SessionLifetimeConfig & Pick<Config, "SESSION_SWEEP_MS">;
}): () => void {
  const { db, log, revocations, config } = deps;
  let running = false;
  async function sweep() {
    for (;;) {
      const ids = await revokeExpiredSessions(db, sessionCutoffs(config), SWEEP_BATCH);
      await Promise.all(ids.map((id) => revocations.sessionRevoked(id)));
      if (ids.length < SWEEP_BATCH) return;
    }
  }
  const timer = setInterval(() => {
    // Revocations wait for other nodes' acks (up to a second): never stack sweeps behind one.
    if (running) return;
    running = true;
    sweep()
      .catch((err) => log.warn({ err }, "session expiry sweep failed"))
      .finally(() => {
        running = false;
      });
  }, config.SESSION_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
