/**
 * The socket clients of the capacity bench, in their own process so that their memory and CPU
 * stay apart from the node being measured and from the parent's timers. It opens the sockets it is
 * told to and behaves like the SDK when their node goes away: on a lost transport it waits the
 * SDK's first backoff (125–250 ms, full jitter), then opens a new socket to the fallback URL with
 * `since` = the last seq it saw (when `resume` is set), and backs off exponentially on a refused
 * connect. For every socket it counts the seqs it never got (a gap between two events, a `ready`
 * above the last seq seen, or a tail short of the org's head) and the ones it got twice.
 *
 * Parent → child: open, report, caughtUp, close, exit. Child → parent: opened, allReady, report,
 * caughtUp, closed (all over IPC).
 */
import { io, type Socket } from "socket.io-client";

interface Target {
  url: string;
  auth: Record<string, unknown>;
  org: string;
  fallback?: string;
}

type Message =
  | { type: "open"; system: string; targets: Target[]; resume: boolean; batch?: number }
  | { type: "report"; system: string; heads?: Record<string, number> }
  | { type: "caughtUp"; system: string; heads: Record<string, number>; timeoutMs: number }
  | { type: "close"; system: string }
  | { type: "exit" };

interface Tracked {
  target: Target;
  socket: Socket;
  lastSeq: number | undefined;
  lost: number;
  duplicates: number;
  phase: "first" | "moving" | "moved";
  attempt: number;
  closed: boolean;
}

interface System {
  tracked: Tracked[];
  resume: boolean;
  moved: number;
  connectErrors: number;
  revoked: number;
  refused: number;
  /** Wall-clock instants at which sockets became ready on the fallback. */
  movedAt: number[];
  /** connect_error messages while moving, by message. */
  errors: Record<string, number>;
  /** [ms since the first disconnect, sockets ready on the fallback], about every 500 ms. */
  progress: [number, number][];
  firstDisconnectAt?: number;
  allReadyAt?: number;
}

const now = () => performance.timeOrigin + performance.now();
const systems = new Map<string, System>();
const send = (message: Record<string, unknown>) => process.send?.(message);

function connect(system: string, sys: System, t: Tracked, url: string): Socket {
  const auth = sys.resume && t.lastSeq !== undefined ? { ...t.target.auth, since: t.lastSeq } : t.target.auth;
  const socket = io(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
  t.socket = socket;
  socket.on("event", (e: { seq: number }) => {
    if (t.lastSeq !== undefined) {
      if (e.seq <= t.lastSeq) {
        t.duplicates++;
        return;
      }
      if (e.seq > t.lastSeq + 1) t.lost += e.seq - t.lastSeq - 1;
    }
    t.lastSeq = e.seq;
  });
  socket.on("ready", (r: { seq?: number }) => {
    if (typeof r?.seq === "number") {
      // Everything up to the head is delivered at `ready`: a head above the last seq seen means
      // the replay skipped something.
      if (t.lastSeq !== undefined && r.seq > t.lastSeq) t.lost += r.seq - t.lastSeq;
      t.lastSeq = Math.max(t.lastSeq ?? 0, r.seq);
    }
    t.attempt = 0;
    if (t.phase === "moving") {
      t.phase = "moved";
      sys.moved++;
      sys.movedAt.push(now());
      if (sys.moved === sys.tracked.length) {
        sys.allReadyAt = now();
        send({ type: "allReady", system, at: sys.allReadyAt, firstDisconnectAt: sys.firstDisconnectAt });
      }
    }
  });
  socket.on("revoked", () => {
    sys.revoked++;
  });
  socket.on("disconnect", (reason) => {
    if (t.closed || reason === "io client disconnect") return;
    if (reason === "io server disconnect" || !t.target.fallback) return;
    moveOn(system, sys, t);
  });
  return socket;
}

/** The SDK's retry: full jitter under a ceiling that doubles per failed attempt (250 ms first). */
function moveOn(system: string, sys: System, t: Tracked) {
  if (t.phase === "first") {
    t.phase = "moving";
    if (sys.firstDisconnectAt === undefined) {
      const from = now();
      sys.firstDisconnectAt = from;
      const timer = setInterval(() => {
        sys.progress.push([Math.round(now() - from), sys.moved]);
        if (sys.moved === sys.tracked.length || !systems.has(system)) clearInterval(timer);
      }, 500);
    }
  }
  t.socket.removeAllListeners();
  const ceiling = Math.min(10_000, 250 * 2 ** t.attempt);
  t.attempt++;
  setTimeout(
    () => {
      if (t.closed) return;
      const s = connect(system, sys, t, t.target.fallback!);
      s.on("connect_error", (err: Error) => {
        if (err.message === "unauthenticated" || err.message === "forbidden") {
          sys.refused++;
          return;
        }
        sys.connectErrors++;
        sys.errors[err.message] = (sys.errors[err.message] ?? 0) + 1;
        moveOn(system, sys, t);
      });
    },
    ceiling / 2 + Math.random() * (ceiling / 2),
  );
}

async function open(message: Extract<Message, { type: "open" }>) {
  const { system, targets, resume } = message;
  const batch = message.batch ?? 200;
  const sys: System = {
    tracked: [],
    resume,
    moved: 0,
    connectErrors: 0,
    revoked: 0,
    refused: 0,
    errors: {},
    progress: [],
    movedAt: [],
  };
  systems.set(system, sys);
  const t0 = now();
  let failed = 0;
  for (let start = 0; start < targets.length; start += batch) {
    await Promise.all(
      targets.slice(start, start + batch).map(
        (target) =>
          new Promise<void>((resolve) => {
            const t: Tracked = {
              target,
              socket: undefined as unknown as Socket,
              lastSeq: undefined,
              lost: 0,
              duplicates: 0,
              phase: "first",
              attempt: 0,
              closed: false,
            };
            sys.tracked.push(t);
            const s = connect(system, sys, t, target.url);
            s.once("ready", () => resolve());
            s.once("connect_error", () => {
              failed++;
              resolve();
            });
          }),
      ),
    );
  }
  send({ type: "opened", system, ms: now() - t0, failed });
}

function report(system: string, heads: Record<string, number> = {}) {
  const sys = systems.get(system);
  if (!sys) return send({ type: "report", system, missing: true });
  let lost = 0;
  let tailLost = 0;
  let duplicates = 0;
  let behind = 0;
  let notMoved = 0;
  const maxSeen: Record<string, number> = {};
  for (const t of sys.tracked) {
    lost += t.lost;
    duplicates += t.duplicates;
    if (t.phase !== "moved" && t.target.fallback) notMoved++;
    const org = t.target.org;
    if (t.lastSeq !== undefined) maxSeen[org] = Math.max(maxSeen[org] ?? 0, t.lastSeq);
    const head = heads[org];
    // A socket still waiting to reconnect is counted in notMoved, not as lost.
    const settled = t.phase === "moved" || !t.target.fallback;
    if (settled && head !== undefined && (t.lastSeq ?? 0) < head) {
      behind++;
      tailLost += head - (t.lastSeq ?? 0);
    }
  }
  send({
    type: "report",
    system,
    sockets: sys.tracked.length,
    lost,
    tailLost,
    duplicates,
    behind,
    notMoved,
    maxSeen,
    connectErrors: sys.connectErrors,
    errors: sys.errors,
    progress: sys.progress,
    movedAt: sys.movedAt,
    refused: sys.refused,
    revoked: sys.revoked,
    firstDisconnectAt: sys.firstDisconnectAt,
    allReadyAt: sys.allReadyAt,
  });
}

async function caughtUp(system: string, heads: Record<string, number>, timeoutMs: number) {
  const sys = systems.get(system);
  const deadline = now() + timeoutMs;
  const lagging = () => sys?.tracked.filter((t) => (t.lastSeq ?? 0) < (heads[t.target.org] ?? 0)).length ?? 0;
  while (lagging() > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 50));
  send({ type: "caughtUp", system, lagging: lagging() });
}

function close(system: string) {
  const sys = systems.get(system);
  for (const t of sys?.tracked ?? []) {
    t.closed = true;
    t.socket.removeAllListeners();
    t.socket.close();
  }
  systems.delete(system);
  send({ type: "closed", system });
}

process.on("message", (message: Message) => {
  if (message.type === "open") void open(message);
  else if (message.type === "report") report(message.system, message.heads);
  else if (message.type === "caughtUp") void caughtUp(message.system, message.heads, message.timeoutMs);
  else if (message.type === "close") close(message.system);
  else if (message.type === "exit") {
    for (const system of [...systems.keys()]) close(system);
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
