import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { io, type Socket } from "socket.io-client";

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles, in ms with two decimals. */
export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: round(at(50)),
    p99: round(at(99)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    max: round(sorted.at(-1) ?? NaN),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `count` websocket clients, `batch` at a time, each resolved on its `ready`. */
export async function openSockets(
  count: number,
  make: (i: number) => { url: string; auth: Record<string, unknown> },
  batch = 100,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let start = 0; start < count; start += batch) {
    const group = await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, (_, j) => {
        const { url, auth } = make(start + j);
        const socket = io(url, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
        return new Promise<Socket>((resolve, reject) => {
          socket.once("ready", () => resolve(socket));
          socket.once("connect_error", reject);
        });
      }),
    );
    sockets.push(...group);
  }
  return sockets;
}

export function writeResult(name: string, result: unknown): string {
  const dir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}${name}.json`;
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export const ratio = (ours: number, baseline: number) => Math.round((ours / baseline) * 100) / 100;

/** Wall-clock ms with sub-ms resolution, comparable across this machine's processes. */
export const wallNow = () => performance.timeOrigin + performance.now();

export const BENCH_ROOT = new URL("../", import.meta.url).pathname;

/** A process this bench started: its pid (for /proc), its output, and a kill that waits for the exit. */
export interface BenchProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  output: () => string;
  /** Called with each complete output line. */
  onLine: (listener: (line: string) => void) => void;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const benchNodeEnv = () =>
  Object.fromEntries(
    (process.env.BENCH_NODE_ENV ?? "")
      .split(" ")
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );

/**
 * Spawns `node --import tsx <script>` (the node process itself, so its pid is the server's).
 * `BENCH_NODE_ARGS` adds node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a run;
 * `BENCH_NODE_ENV` adds variables, e.g. `LISTEN_ACCEPTORS=8 LOG_LEVEL=warn`, to try a setting.
 */
async function spawnScript(script: string, env: Record<string, string>, readyPath: string): Promise<BenchProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), "--import", "tsx", script],
    {
      cwd: BENCH_ROOT,
      env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", ...env, ...benchNodeEnv(), PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let partial = "";
  const listeners: ((line: string) => void)[] = [];
  const onData = (d: Buffer) => {
    const text = d.toString();
    if (out.length < 1_000_000) out += text;
    partial += text;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) for (const l of listeners) l(line);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const proc: BenchProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    child,
    output: () => out,
    onLine: (l) => listeners.push(l),
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A polite signal (which lets --cpu-prof write its profile) gets a few seconds, then SIGKILL.
      if (signal !== "SIGKILL") setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      await exited;
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited early: ${out}`);
    try {
      if ((await fetch(`${proc.url}${readyPath}`)).status === 200) return proc;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  await proc.kill();
  throw new Error(`${script} not ready after 60 s: ${out}`);
}

/**
 * An Orgwire node as its own process, started the way `npm start` does, ready when `/readyz`
 * answers 200. Only the public interface and `server/config.ts` variables are used.
 */
export const spawnOrgwire = (env: Record<string, string>) =>
  spawnScript("server/main.ts", { LOG_LEVEL: "error", ...env }, "/readyz");

/** The plain Socket.IO baseline (./baseline-server.ts) as its own process. */
export const spawnBaseline = (env: Record<string, string>) => spawnScript("bench/baseline-server.ts", env, "/readyz");

/** Resident set size of a process, in KiB. */
export function rssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
}

let clockTicks: number | undefined;
/** User + system CPU time a process has used so far, in ms (from /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** A JSON HTTP call to a spawned process. */
export async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; expect?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  if (options.expect !== undefined && res.status !== options.expect) {
    throw new Error(`${method} ${path}: ${res.status} ${text}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * The machine's TCP listen-queue counters (/proc/net/netstat, every process on the host): a
 * connection flood that overflows a server's accept queue shows here as ListenOverflows.
 */
export function listenCounters(): Record<string, number> {
  const lines = readFileSync("/proc/net/netstat", "utf8").split("\n");
  const names = lines.find((l) => l.startsWith("TcpExt:"))?.split(" ") ?? [];
  const values = lines.filter((l) => l.startsWith("TcpExt:"))[1]?.split(" ") ?? [];
  const wanted = ["ListenOverflows", "ListenDrops", "SyncookiesSent", "TCPReqQFullDoCookies", "TCPReqQFullDrop"];
  return Object.fromEntries(wanted.map((name) => [name, Number(values[names.indexOf(name)] ?? NaN)]));
}
