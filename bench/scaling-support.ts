/**
 * The scaling bench's instruments (./scaling.bench.ts): a private Redis and its command counts,
 * settled RSS, CPU per process, and the audience process that holds the sockets.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { Redis } from "ioredis";
import { REDIS_URL } from "../test/support/services.js";
import { type BenchProcess, cpuMs, freePort, rssKib, sleep } from "./support.js";

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** A private redis-server on a free port (INFO then counts only this run); falls back to REDIS_URL. */
export async function privateRedis(log: (t: string) => void) {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  child.on("error", () => {});
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on("error", () => {});
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      return { url, private: true, stop: () => child.kill("SIGKILL") };
    } catch {
      r.disconnect();
      await sleep(100);
    }
  }
  child.kill("SIGKILL");
  log("redis-server did not start; using the shared Redis (INFO counts include other clients)");
  return { url: REDIS_URL, private: false, stop: () => {} };
}

export type RedisSnapshot = { commands: Record<string, number>; inBytes: number; outBytes: number };
export async function redisSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const [cmd, stats] = [await redis.info("commandstats"), await redis.info("stats")];
  const commands: Record<string, number> = {};
  for (const m of cmd.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) commands[m[1]!] = Number(m[2]);
  const num = (k: string) => Number(stats.match(new RegExp(`^${k}:(\\d+)`, "m"))?.[1] ?? NaN);
  return { commands, inBytes: num("total_net_input_bytes"), outBytes: num("total_net_output_bytes") };
}
/** `overhead`: the bytes of one snapshot (two INFO calls), measured back to back before the phase. */
export function redisPerMutation(a: RedisSnapshot, b: RedisSnapshot, m: number, overhead: { in: number; out: number }) {
  const commands: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.commands)) {
    const d = v - (a.commands[k] ?? 0);
    // The two INFO calls of the snapshots themselves are not the mutations'.
    if (d > 0 && k !== "info") commands[k] = round(d / m, 3);
  }
  return {
    commands,
    opsPerMutation: round(
      Object.values(commands).reduce((x, y) => x + y, 0),
      3,
    ),
    inBytesPerMutation: Math.round((b.inBytes - a.inBytes - overhead.in) / m),
    outBytesPerMutation: Math.round((b.outBytes - a.outBytes - overhead.out) / m),
  };
}

/** Median of 5 RSS samples over a second, KiB. */
export async function settledRss(pid: number) {
  const s: number[] = [];
  for (let i = 0; i < 5; i++) {
    s.push(rssKib(pid));
    await sleep(250);
  }
  return s.sort((a, b) => a - b)[2]!;
}

/** ./audience.ts as a child: opens sockets per `system`, reports when the last one got each seq. */
export function audience() {
  const child: ChildProcess = fork(new URL("./audience.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx", "--max-old-space-size=4096"],
    stdio: "inherit",
  });
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  child.on("message", (m: { type: string; system: string; seq?: number }) => {
    const key = m.type === "opened" ? `opened:${m.system}` : `${m.system}:${m.seq}`;
    seen.add(key);
    waiters.get(key)?.();
  });
  const wait = (key: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (seen.has(key)) return resolve();
      const t = setTimeout(() => reject(new Error(`audience: no ${key} after ${ms} ms`)), ms);
      waiters.set(key, () => {
        clearTimeout(t);
        waiters.delete(key);
        resolve();
      });
    });
  return {
    pid: child.pid ?? 0,
    async open(system: string, targets: { url: string; auth: Record<string, unknown> }[]) {
      child.send({ type: "open", system, targets });
      await wait(`opened:${system}`, 600_000);
    },
    last: (system: string, seq: number) => wait(`${system}:${seq}`, 30_000),
    close: () => {
      if (child.connected) child.send({ type: "close" });
    },
  };
}

export type Cpu = Record<string, number>;
export const cpuOf = (procs: Record<string, BenchProcess>): Cpu =>
  Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, cpuMs(p.pid)]));
export const cpuDelta = (a: Cpu, b: Cpu) => Object.fromEntries(Object.keys(b).map((k) => [k, round(b[k]! - a[k]!, 1)]));
export const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);

/** CPU ms per second of process `pid` over `seconds` of idling, after 3 s to settle. */
export async function idleCpuMs(pid: number, seconds: number) {
  await sleep(3_000);
  const c0 = cpuMs(pid);
  const w0 = performance.now();
  await sleep(seconds * 1000);
  return round(((cpuMs(pid) - c0) / (performance.now() - w0)) * 1000, 2);
}
