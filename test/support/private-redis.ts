import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "./nodes.js";

/** A Redis of the test's own, on its own port, that the test may kill and restart. */
export async function startPrivateRedis(port?: number) {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const redis = {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async start() {
      child = spawn("redis-server", ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
        stdio: "ignore",
      });
      await waitForPing(redis.url);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGKILL");
      await exited;
    },
  };
  await redis.start();
  return redis;
}

async function waitForPing(url: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis at ${url} did not start`);
}
