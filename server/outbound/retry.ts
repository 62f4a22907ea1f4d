/**
 * When a failed delivery is tried again: exponential backoff with "equal jitter" (half the delay
 * fixed, half random), so endpoints that failed together do not all retry in the same instant.
 * With the defaults (5 s doubling up to 1 h) an event is tried about 30 times in 24 h; past
 * `giveUpAfterMs` of failing, the endpoint is turned off.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  giveUpAfterMs: number;
}

/** The wait before try `attempt + 1`, after `attempt` (1, 2, …) failed tries. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** Whether an event that first failed at `failingSince` has had its day of retries. */
export const retriesExhausted = (failingSince: Date, now: Date, policy: RetryPolicy): boolean =>
  now.getTime() - failingSince.getTime() >= policy.giveUpAfterMs;
