import { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import { AppError } from "./errors.js";

/** Fixed-window counters: shared through Redis across nodes, or in memory on a single node. */
export interface RateLimiter {
  /**
   * Counts one hit on `key`, atomically; returns the count in the current window (this hit
   * included) and the ms until it resets. Concurrent hits each get their own count, so a caller
   * that compares it with a limit lets exactly `limit` of them through.
   */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** Takes one hit back from the current window, if it still runs; never below zero. */
  undo(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  redisUrl?: string;
  /** A Redis Cluster's seed nodes (REDIS_CLUSTER_NODES); wins over `redisUrl`, as it does for the bus. */
  clusterNodes?: readonly { host: string; port: number }[];
  prefix: string;
  log: Logger;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (options.clusterNodes?.length) {
    // Cluster mode's offline queue stays off too: while the cluster is unreachable, fail open at once.
    const cluster = new Cluster([...options.clusterNodes], {
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 1 },
    });
    return redisLimiter(cluster, options.prefix, options.log);
  }
  if (options.redisUrl) {
    return redisLimiter(
      new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
      options.prefix,
      options.log,
    );
  }
  return memoryLimiter();
}

/** Throws 429 `rate_limited` with Retry-After once `count` passes `max`. */
export function enforceLimit(result: { count: number; resetMs: number }, max: number, what: string): void {
  if (result.count <= max) return;
  const retryAfter = String(Math.max(1, Math.ceil(result.resetMs / 1000)));
  throw new AppError("rate_limited", `too many ${what}; retry later`, undefined, { "Retry-After": retryAfter });
}

const MAX_WINDOWS = 10_000;

function memoryLimiter(): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string, windowMs: number) => {
    const now = Date.now();
    const w = windows.get(key);
    if (w && w.resetAt > now) return w;
    const fresh = { count: 0, resetAt: now + windowMs };
    windows.set(key, fresh);
    // Forget ended windows now and then, so one-off keys (an IP, a mistyped email) do not pile up.
    if (windows.size > MAX_WINDOWS) {
      for (const [k, v] of windows) if (v.resetAt <= now) windows.delete(k);
    }
    return fresh;
  };
  return {
    async hit(key, windowMs) {
      const w = current(key, windowMs);
      w.count++;
      return { count: w.count, resetMs: w.resetAt - Date.now() };
    },
    async undo(key) {
      const w = windows.get(key);
      if (w && w.resetAt > Date.now() && w.count > 0) w.count--;
    },
    async reset(key) {
      windows.delete(key);
    },
    async close() {},
  };
}

/**
 * DECR only while the window's key exists: a bare DECR after the window ended would create a key
 * at -1 with no expiry, a permanent extra allowance.
 */
const UNDO_SCRIPT = `if redis.call("exists", KEYS[1]) == 1 and tonumber(redis.call("get", KEYS[1])) > 0 then
  return redis.call("decr", KEYS[1])
end
return 0`;

/**
 * Every command and script here names one key, so each runs whole on the one shard that holds it
 * on a cluster. One that ever needs several keys must give them a common hash tag
 * (`prefix + "{" + key + "}:…"`), or the cluster refuses it with CROSSSLOT.
 */
function redisLimiter(redis: Redis | Cluster, prefix: string, log: Logger): RateLimiter {
  redis.on("error", (err) => log.debug({ err }, "rate limiter redis error"));
  // While Redis is down the limiter fails open: refusing every login would be worse.
  const failOpen = (err: unknown) => {
    log.warn({ err }, "rate limiter unavailable; allowing");
    return { count: 0, resetMs: 0 };
  };
  return {
    hit: (key, windowMs) =>
      redis
        .multi()
        .incr(prefix + key)
        .pexpire(prefix + key, windowMs, "NX")
        .pttl(prefix + key)
        .exec()
        .then((res) => ({ count: Number(res?.[0]?.[1] ?? 0), resetMs: Math.max(0, Number(res?.[2]?.[1] ?? 0)) }))
        .catch(failOpen),
    undo: (key) =>
      redis
        .eval(UNDO_SCRIPT, 1, prefix + key)
        .then(() => undefined)
        .catch((err) => log.warn({ err }, "rate limiter unavailable; hit not taken back")),
    reset: (key) =>
      redis
        .del(prefix + key)
        .then(() => undefined)
        .catch(() => undefined),
    close: async () => {
      redis.disconnect();
    },
  };
}
