/**
 * The scaling bench's instruments (./scaling.bench.ts): a private Redis and its command counts,
 * settled RSS, CPU per process, and the audience process that holds the sockets.
 */
import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { REDIS_URL } from "../test/support/services.js";
import { startAudience } from "./child-reports.js";
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

/** ./audience.ts with heap for 10k sockets and time to open them. */
export const audience = () =>
  startAudience({ nodeArgs: ["--max-old-space-size=4096"], openTimeoutMs: 600_000, lastTimeoutMs: 30_000 });

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
