import type { Config } from "../config.js";
import { enforceLimit, type RateLimiter } from "../core/rate-limit.js";

/**
 * The per-account limit on failed proofs: passwords at login and at a password change, TOTP and
 * recovery codes at login and when MFA is confirmed or turned off. All count in one window per
 * account (`LOGIN_MAX_FAILURES` per `LOGIN_WINDOW_SECONDS`), so guessing a code is no cheaper than
 * guessing the password. Each attempt is counted, atomically, before its proof is checked (INCR in
 * Redis, a synchronous increment in memory), so concurrent attempts on any number of nodes each get
 * their own number and at most `LOGIN_MAX_FAILURES` wrong proofs are checked per window (reading
 * the count first and counting after the check let every concurrent attempt in). A success takes
 * back its own attempt and nothing more: a reset would also wipe failures someone else is piling
 * up against the account meanwhile.
 */
export function loginLimit(limiter: RateLimiter, config: Pick<Config, "LOGIN_MAX_FAILURES" | "LOGIN_WINDOW_SECONDS">) {
  const key = (email: string) => `login-failures:${email}`;
  return {
    /** Counts an attempt for the account; 429 `rate_limited` past the limit. */
    async attempt(email: string): Promise<void> {
      enforceLimit(
        await limiter.hit(key(email), config.LOGIN_WINDOW_SECONDS * 1000),
        config.LOGIN_MAX_FAILURES,
        "failed logins",
      );
    },
    /** The attempt succeeded: it does not count. */
    async succeeded(email: string): Promise<void> {
      await limiter.undo(key(email));
    },
    /**
     * Runs `check` as one counted attempt: true (taken back) or false (counted). A check that
     * throws counts as a failure.
     */
    async guard(email: string, check: () => Promise<boolean>): Promise<boolean> {
      await this.attempt(email);
      const ok = await check();
      if (ok) await this.succeeded(email);
      return ok;
    },
  };
}

export type LoginLimit = ReturnType<typeof loginLimit>;
