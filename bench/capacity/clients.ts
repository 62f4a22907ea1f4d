/** The client process (../capacity-clients.ts): the storm's sockets, driven over IPC. */
import { fork } from "node:child_process";

export interface Opened {
  ms: number;
  failed: number;
}
export interface AllReady {
  at: number;
  firstDisconnectAt?: number;
}
export interface ClientReport {
  sockets: number;
  lost: number;
  tailLost: number;
  duplicates: number;
  behind: number;
  notMoved: number;
  maxSeen: Record<string, number>;
  connectErrors: number;
  errors: Record<string, number>;
  progress: [number, number][];
  movedAt: number[];
  refused: number;
  revoked: number;
}

export function startClients() {
  const child = fork(new URL("../capacity-clients.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: "inherit",
  });
  const waiters = new Map<string, (m: unknown) => void>();
  const early = new Map<string, unknown>();
  child.on("message", (m: { type: string; system: string }) => {
    const key = `${m.type}:${m.system}`;
    const w = waiters.get(key);
    if (w) {
      waiters.delete(key);
      w(m);
    } else early.set(key, m);
  });
  const wait = <T>(key: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      if (early.has(key)) {
        const e = early.get(key);
        early.delete(key);
        return resolve(e as T);
      }
      const timer = setTimeout(() => {
        waiters.delete(key);
        reject(new Error(`clients: no ${key} after ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.set(key, (m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
    });
  const ask = <T>(
    message: { type: string; system: string; [k: string]: unknown },
    reply: string,
    timeoutMs = 120_000,
  ) => {
    const answer = wait<T>(`${reply}:${message.system}`, timeoutMs);
    child.send(message);
    return answer;
  };
  return {
    pid: child.pid ?? 0,
    open: (system: string, targets: unknown[], resume: boolean) =>
      ask<Opened>({ type: "open", system, targets, resume }, "opened", 180_000),
    report: (system: string, heads?: Record<string, number>) =>
      ask<ClientReport>({ type: "report", system, heads }, "report"),
    caughtUp: (system: string, heads: Record<string, number>, timeoutMs: number) =>
      ask<{ lagging: number }>({ type: "caughtUp", system, heads, timeoutMs }, "caughtUp", timeoutMs + 10_000),
    close: (system: string) => ask({ type: "close", system }, "closed"),
    allReady: (system: string, timeoutMs: number) => wait<AllReady>(`allReady:${system}`, timeoutMs),
    exit: () => {
      if (child.connected) child.send({ type: "exit" });
      setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
    },
  };
}

export type Clients = ReturnType<typeof startClients>;
