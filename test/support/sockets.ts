import { io, type Socket } from "socket.io-client";
import type { OrgEvent, ReadyPayload, RevokedPayload } from "../../client-sdk/src/contract/index.js";

/** A recording client of one org namespace: every event, ready, revoked and the disconnect reason. */
export interface Recorder {
  socket: Socket;
  events: OrgEvent[];
  /** Everything received, in order, as [name, payload]. */
  log: [string, unknown][];
  ready: Promise<ReadyPayload>;
  revoked: Promise<RevokedPayload>;
  disconnected: Promise<string>;
  seqs(): number[];
  /** Resolves once an event with seq >= `seq` arrived. */
  waitForSeq(seq: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function record(
  url: string,
  orgId: string,
  token: string,
  options: { since?: number; reconnection?: boolean } = {},
): Recorder {
  const socket = io(`${url}/orgs/${orgId}`, {
    auth: options.since === undefined ? { token } : { token, since: options.since },
    transports: ["websocket"],
    reconnection: options.reconnection ?? false,
    forceNew: true,
  });
  const events: OrgEvent[] = [];
  const log: [string, unknown][] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  socket.on("event", (e: OrgEvent) => {
    events.push(e);
    log.push(["event", e]);
    notify();
  });
  const ready = new Promise<ReadyPayload>((resolve, reject) => {
    socket.once("ready", (r: ReadyPayload) => {
      log.push(["ready", r]);
      resolve(r);
    });
    socket.once("connect_error", (err) => reject(err));
  });
  ready.catch(() => {});
  const revoked = new Promise<RevokedPayload>((resolve) =>
    socket.once("revoked", (r: RevokedPayload) => {
      log.push(["revoked", r]);
      resolve(r);
    }),
  );
  const disconnected = new Promise<string>((resolve) =>
    socket.on("disconnect", (reason) => {
      log.push(["disconnect", reason]);
      notify();
      resolve(reason);
    }),
  );
  return {
    socket,
    events,
    log,
    ready,
    revoked,
    disconnected,
    seqs: () => events.map((e) => e.seq),
    waitForSeq(seq, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (events.some((e) => e.seq >= seq)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no event with seq >= ${seq} within ${timeoutMs} ms; got ${events.map((e) => e.seq)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => socket.close(),
  };
}

/** The connect_error message of a handshake expected to fail. */
export async function handshakeError(url: string, orgId: string, token: string): Promise<string> {
  const r = record(url, orgId, token);
  try {
    await r.ready;
    return "connected";
  } catch (error) {
    return (error as Error).message;
  } finally {
    r.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Strictly increasing, no duplicates. */
export function isStrictlyIncreasing(seqs: number[]): boolean {
  return seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number));
}
