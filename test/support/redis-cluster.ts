import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { keySlot } from "../../server/bus/cluster-slot.js";
import { freePort } from "./nodes.js";

const run = promisify(execFile);

export interface TestRedisCluster {
  ports: number[];
  /** `127.0.0.1:P1,127.0.0.1:P2,…`, the REDIS_CLUSTER_NODES of the nodes under test. */
  nodes: string;
  /** The port of the master that serves `key`'s slot (a channel name is a key here). */
  masterOf(key: string): Promise<number>;
  /** Kills (SIGKILL) the master on `port`, as a crash would. */
  stop(port: number): Promise<void>;
  /** Starts it again from its nodes-P.conf: same node id and slots, empty of data. */
  start(port: number): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * A real 3-master Redis Cluster of the test's own (no replicas), in a temporary directory. A master
 * killed and restarted within cluster-node-timeout (15 s by default) is never marked failed, so the
 * other two shards keep serving throughout.
 */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "ow-redis-cluster-"));
  const ports: number[] = [];
  while (ports.length < masters) {
    const port = await freePort();
    // The cluster bus listens on port + 10000, which must be free as well.
    if (port + 10_000 <= 65_535 && !ports.includes(port)) ports.push(port);
  }
  const children = new Map<number, ChildProcess>();

  const start = async (port: number) => {
    const child = spawn(
      "redis-server",
      [
        "--cluster-enabled",
        "yes",
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-config-file",
        `nodes-${port}.conf`,
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ],
      { stdio: "ignore" },
    );
    children.set(port, child);
    await until(async () => (await cli(port, "ping")) === "PONG", `redis on ${port} did not start`);
  };

  const stop = async (port: number) => {
    const child = children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  };

  const clusterOk = () =>
    until(async () => {
      for (const port of ports) if (!(await cli(port, "cluster", "info")).includes("cluster_state:ok")) return false;
      return true;
    }, "the Redis Cluster did not reach cluster_state:ok");

  try {
    await Promise.all(ports.map(start));
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    await clusterOk();
  } catch (err) {
    await Promise.all(ports.map(stop));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(","),
    async masterOf(key) {
      const slot = keySlot(key);
      // CLUSTER SLOTS from any live master: [start, end, [host, port, id], …] per range.
      for (const port of ports) {
        const out = await cli(port, "--json", "cluster", "slots").catch(() => "");
        if (!out) continue;
        const ranges = JSON.parse(out) as [number, number, [string, number]][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (range) return Number(range[2][1]);
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    stop,
    async start(port) {
      await start(port);
      await clusterOk();
    },
    async shutdown() {
      await Promise.all(ports.map(stop));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { timeout: 5_000 });
    return stdout.trim();
  } catch {
    return "";
  }
}

async function until(check: () => Promise<boolean>, message: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(message);
}
