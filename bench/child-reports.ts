/** Child processes of the realtime benches, and waiting on what they report over IPC. */
import { type ChildProcess, fork } from "node:child_process";

/**
 * Waits on a child process's reports, by key: `wait(key)` resolves with the report's `at`, also
 * when the report came before anyone waited for it.
 */
export function childReports<M extends { at?: number }>(child: ChildProcess, label: string, keyOf: (m: M) => string) {
  const waiters = new Map<string, (at: number) => void>();
  const early = new Map<string, number>();
  child.on("message", (m: M) => {
    const key = keyOf(m);
    const w = waiters.get(key);
    if (w) {
      waiters.delete(key);
      w(m.at ?? 0);
    } else early.set(key, m.at ?? 0);
  });
  return (key: string, timeoutMs = 60_000) =>
    new Promise<number>((resolve, reject) => {
      if (early.has(key)) return resolve(early.get(key)!);
      const timer = setTimeout(() => reject(new Error(`${label}: no ${key}`)), timeoutMs);
      waiters.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
}

/** How long the audience may take, and flags for its node (a large one needs more heap). */
export interface AudienceOptions {
  nodeArgs?: string[];
  openTimeoutMs?: number;
  lastTimeoutMs?: number;
}

/** The audience process: opens sockets on request and reports when the last one got each event. */
export function startAudience(options: AudienceOptions = {}) {
  const child = fork(new URL("./audience.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx", ...(options.nodeArgs ?? [])],
    stdio: "inherit",
  });
  const wait = childReports(child, "audience", (m: { type: string; system: string; seq?: number; at?: number }) =>
    m.type === "opened" ? `opened:${m.system}` : `${m.system}:${m.seq}`,
  );
  return {
    pid: child.pid ?? 0,
    async open(system: string, targets: { url: string; auth: Record<string, unknown> }[]) {
      child.send({ type: "open", system, targets });
      await wait(`opened:${system}`, options.openTimeoutMs);
    },
    /** Wall-clock instant the last audience socket of `system` received `seq`. */
    last: (system: string, seq: number) => wait(`${system}:${seq}`, options.lastTimeoutMs),
    close: () => {
      if (child.connected) child.send({ type: "close" });
    },
  };
}
