import { Manager, type Socket } from "socket.io-client";
import type { OrgEvent, ReadyPayload, RevokedPayload, WebhookDelivery } from "./contract/index.js";
import { OrgwireError } from "./errors.js";

export interface SubscribeOptions {
  /** Replay everything after this seq first (resumes where a previous subscription stopped). */
  since?: number;
  /** Each event once, in seq order, across reconnects and node deaths. */
  onEvent: (event: OrgEvent) => void;
  /** After the replay: the caller's role and the head seq at which live delivery starts. */
  onReady?: (ready: ReadyPayload) => void;
  /** Access ended for good (removed, left, org deleted, key or session revoked): no reconnect. */
  onRevoked?: (revoked: RevokedPayload) => void;
  /** A refused handshake (`unauthenticated`, `forbidden`): the subscription ends. */
  onError?: (error: OrgwireError) => void;
  /** Connection state, for a "live" indicator. */
  onStatus?: (status: SubscriptionStatus) => void;
  /**
   * Each webhook delivery attempt as it happens (owners and audit API keys only). Live only: not in
   * the event log, so none are replayed after a reconnect; read `webhooks.deliveries` for history.
   */
  onDelivery?: (delivery: WebhookDelivery) => void;
}

export type SubscriptionStatus = "connecting" | "live" | "reconnecting" | "closed";

export interface Subscription {
  /** The last seq delivered to `onEvent` (or the `since` it started from). */
  readonly lastSeq: number | undefined;
  readonly status: SubscriptionStatus;
  /** Ends the subscription; no callback fires after it. */
  close(): void;
}

export interface Backoff {
  /** First retry delay, ms (default 250). */
  initialMs?: number;
  /** Longest delay, ms (default 10 000). */
  maxMs?: number;
}

/** Shared by a client's subscriptions: one connection per node URL carries many org namespaces. */
export class ManagerPool {
  readonly #managers = new Map<string, Manager>();
  /** Namespaces in use per manager: a second subscription to the same org gets its own connection. */
  readonly #inUse = new Map<Manager, Set<string>>();

  acquire(url: string, nsp: string): Manager {
    const shared = this.#managers.get(url);
    const manager =
      shared && !this.#inUse.get(shared)?.has(nsp)
        ? shared
        : new Manager(url, { transports: ["websocket"], reconnection: false, autoConnect: false });
    if (!shared) this.#managers.set(url, manager);
    const used = this.#inUse.get(manager) ?? new Set();
    used.add(nsp);
    this.#inUse.set(manager, used);
    return manager;
  }

  release(manager: Manager, nsp: string): void {
    this.#inUse.get(manager)?.delete(nsp);
  }
}

const TERMINAL_HANDSHAKE = new Map([
  ["unauthenticated", 401],
  ["forbidden", 403],
  // The org requires MFA the member has not turned on: retrying changes nothing until they enrol.
  ["mfa_required", 403],
]);

/**
 * One org's live stream with resume: every (re)connect sends `since` = the last seq seen, and
 * anything at or below it is dropped, so `onEvent` sees each event once and in order. Reconnects
 * back off exponentially with jitter and move to the next URL of the list after a failure.
 */
export function openSubscription(
  pool: ManagerPool,
  urls: readonly string[],
  orgId: string,
  token: () => string | undefined,
  options: SubscribeOptions & { backoff?: Backoff },
): Subscription {
  const nsp = `/orgs/${orgId}`;
  const initialMs = options.backoff?.initialMs ?? 250;
  const maxMs = options.backoff?.maxMs ?? 10_000;
  let lastSeq = options.since;
  let status: SubscriptionStatus = "connecting";
  let urlIndex = 0;
  let attempt = 0;
  let socket: Socket | undefined;
  let manager: Manager | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const setStatus = (next: SubscriptionStatus) => {
    if (status === next) return;
    status = next;
    options.onStatus?.(next);
  };

  const teardown = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (socket) {
      socket.removeAllListeners();
      socket.disconnect();
      socket = undefined;
    }
    if (manager) pool.release(manager, nsp);
    manager = undefined;
  };

  const end = () => {
    teardown();
    setStatus("closed");
  };

  const retry = (moveOn: boolean) => {
    teardown();
    if (status === "closed") return;
    setStatus("reconnecting");
    if (moveOn) urlIndex = (urlIndex + 1) % urls.length;
    const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
    attempt++;
    // Full jitter: clients that lost the same node do not all come back at once.
    timer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  };

  function connect() {
    if (status === "closed") return;
    const url = urls[urlIndex % urls.length] as string;
    manager = pool.acquire(url, nsp);
    const s = manager.socket(nsp, {
      auth: (cb) => cb(lastSeq === undefined ? { token: token() } : { token: token(), since: lastSeq }),
    });
    socket = s;
    s.on("event", (event: OrgEvent) => {
      if (lastSeq !== undefined && event.seq <= lastSeq) return;
      lastSeq = event.seq;
      options.onEvent(event);
    });
    s.on("ready", (ready: ReadyPayload) => {
      attempt = 0;
      // Everything visible up to the head has been delivered: resume from there next time.
      lastSeq = Math.max(lastSeq ?? 0, ready.seq);
      setStatus("live");
      options.onReady?.(ready);
    });
    s.on("delivery", (delivery: WebhookDelivery) => {
      options.onDelivery?.(delivery);
    });
    s.on("revoked", (revoked: RevokedPayload) => {
      end();
      options.onRevoked?.(revoked);
    });
    s.on("connect_error", (error: Error) => {
      const code = TERMINAL_HANDSHAKE.get(error.message);
      if (code === undefined) return retry(true);
      end();
      options.onError?.(new OrgwireError(code, error.message, `subscription to ${orgId} refused: ${error.message}`));
    });
    s.on("disconnect", (reason) => {
      // A server-side disconnect only ever follows `revoked`; anything else is a lost transport.
      if (reason === "io server disconnect" || reason === "io client disconnect") return end();
      retry(reason === "transport close" || reason === "transport error");
    });
    s.connect();
  }

  connect();
  return {
    get lastSeq() {
      return lastSeq;
    },
    get status() {
      return status;
    },
    close: end,
  };
}

/**
 * The same stream as an async iterator; it ends when access is revoked, and throws on a refused
 * handshake. Breaking out of the loop closes the subscription.
 */
export function eventIterator(
  start: (handlers: SubscribeOptions) => Subscription,
  since: number | undefined,
): AsyncIterableIterator<OrgEvent> {
  const queue: OrgEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: OrgwireError | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const subscription = start({
    since,
    onEvent: (e) => {
      queue.push(e);
      notify();
    },
    onRevoked: () => {
      done = true;
      notify();
    },
    onError: (e) => {
      failure = e;
      done = true;
      notify();
    },
  });
  const iterator: AsyncIterableIterator<OrgEvent> = {
    async next() {
      for (;;) {
        const value = queue.shift();
        if (value) return { value, done: false };
        if (failure) throw failure;
        if (done) return { value: undefined, done: true };
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    async return() {
      subscription.close();
      done = true;
      notify();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
