/** One contract, three buses: the in-process bus, the Redis bus and the Redis Cluster bus must behave alike. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus } from "../server/bus/bus.js";
import { createClusterBus } from "../server/bus/cluster-bus.js";
import { createMemoryBus } from "../server/bus/memory-bus.js";
import { createRedisBus } from "../server/bus/redis-bus.js";
import { startRedisCluster, type TestRedisCluster } from "./support/redis-cluster.js";
import { REDIS_URL, uniquePrefix } from "./support/services.js";

const opened: Bus[] = [];
let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  for (const bus of opened) await bus.close();
  await cluster?.shutdown();
});
const clusterNodes = () => cluster.ports.map((port) => ({ host: "127.0.0.1", port }));

const prefix = uniquePrefix("bus");
const implementations: [string, () => Promise<Bus>][] = [
  ["memory", async () => createMemoryBus()],
  ["redis", () => createRedisBus({ url: REDIS_URL, prefix })],
  ["redis cluster", () => createClusterBus({ nodes: clusterNodes(), prefix })],
];

function collector() {
  const got: unknown[] = [];
  let waiters: (() => void)[] = [];
  return {
    got,
    handler: (m: unknown) => {
      got.push(m);
      for (const w of waiters) w();
      waiters = [];
    },
    async until(n: number, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      while (got.length < n && Date.now() < deadline) {
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return got;
    },
  };
}

for (const [name, open] of implementations) {
  describe(`bus contract: ${name}`, () => {
    const make = async () => {
      const bus = await open();
      opened.push(bus);
      return bus;
    };

    it("delivers a copy to each subscription and reports one receiver per node", async () => {
      const bus = await make();
      const c = collector();
      await bus.subscribe("c1", c.handler);
      const message = { a: 1, nested: { b: [1, 2] } };
      expect(await bus.publish("c1", message)).toBe(1);
      expect(await c.until(1)).toEqual([message]);
      expect(c.got[0]).not.toBe(message);
      expect(await bus.publish("nobody-listens", { x: 1 })).toBe(0);
    });

    it("keeps publish order", async () => {
      const bus = await make();
      const c = collector();
      await bus.subscribe("ordered", c.handler);
      for (let i = 0; i < 200; i++) await bus.publish("ordered", { i });
      expect((await c.until(200)).map((m) => (m as { i: number }).i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });

    it("fans out to every local handler through one subscription, and stops after unsubscribe", async () => {
      const bus = await make();
      const a = collector();
      const b = collector();
      const offA = await bus.subscribe("fan", a.handler);
      await bus.subscribe("fan", b.handler);
      expect(await bus.publish("fan", 1)).toBe(1);
      await a.until(1);
      await b.until(1);
      await offA();
      await bus.publish("fan", 2);
      expect(await b.until(2)).toEqual([1, 2]);
      expect(a.got).toEqual([1]);
    });

    it("answers ping while up and refuses publish once closed", async () => {
      const bus = await open();
      expect(await bus.ping()).toBe(true);
      await bus.close();
      expect(await bus.ping()).toBe(false);
      await expect(bus.publish("x", 1)).rejects.toThrow();
    });
  });
}

describe("bus contract: redis across nodes", () => {
  it("counts one receiver per subscribed node and isolates prefixes", async () => {
    const [n1, n2, other] = await Promise.all([
      createRedisBus({ url: REDIS_URL, prefix }),
      createRedisBus({ url: REDIS_URL, prefix }),
      createRedisBus({ url: REDIS_URL, prefix: uniquePrefix("other") }),
    ]);
    opened.push(n1, n2, other);
    const c1 = collector();
    const c2 = collector();
    const c3 = collector();
    await n1.subscribe("shared", c1.handler);
    await n2.subscribe("shared", c2.handler);
    await other.subscribe("shared", c3.handler);
    expect(await n1.publish("shared", "hello")).toBe(2);
    expect(await c1.until(1)).toEqual(["hello"]);
    expect(await c2.until(1)).toEqual(["hello"]);
    await new Promise((r) => setTimeout(r, 100));
    expect(c3.got).toEqual([]);
  });
});

describe("bus contract: redis cluster across nodes", () => {
  it("counts one receiver per subscribed node on whichever shard a channel lives, and isolates prefixes", async () => {
    // One node knows a single seed, as REDIS_CLUSTER_NODES may list just one: the rest is discovered.
    const [n1, n2, other] = await Promise.all([
      createClusterBus({ nodes: clusterNodes().slice(0, 1), prefix }),
      createClusterBus({ nodes: clusterNodes(), prefix }),
      createClusterBus({ nodes: clusterNodes(), prefix: uniquePrefix("other") }),
    ]);
    opened.push(n1, n2, other);
    // Channels until each master holds one, so every shard's count is checked.
    const byMaster = new Map<number, string>();
    for (let i = 0; byMaster.size < cluster.ports.length; i++) {
      const channel = `org.${i}`;
      const master = await cluster.masterOf(prefix + channel);
      if (!byMaster.has(master)) byMaster.set(master, channel);
    }
    for (const channel of [...byMaster.values(), "sessions", "ack.node-1"]) {
      const c1 = collector();
      const c2 = collector();
      const c3 = collector();
      await n1.subscribe(channel, c1.handler);
      await n2.subscribe(channel, c2.handler);
      await other.subscribe(channel, c3.handler);
      expect(await n1.publish(channel, "hello"), channel).toBe(2);
      expect(await c1.until(1)).toEqual(["hello"]);
      expect(await c2.until(1)).toEqual(["hello"]);
      await new Promise((r) => setTimeout(r, 50));
      expect(c3.got).toEqual([]);
    }
  });

  it("resubscribes after a shard master restarts and only then calls onReconnect", async () => {
    const bus = await createClusterBus({ nodes: clusterNodes(), prefix });
    const publisher = await createClusterBus({ nodes: clusterNodes(), prefix });
    opened.push(bus, publisher);
    const c = collector();
    await bus.subscribe("restart", c.handler);
    let reconnects = 0;
    let deliveredAfterReconnect: Promise<number> | undefined;
    bus.onReconnect(() => {
      reconnects++;
      // The subscription is live again when listeners run: a publish now is heard.
      deliveredAfterReconnect ??= publisher.publish("restart", "after");
    });
    const port = await cluster.masterOf(`${prefix}restart`);
    await cluster.stop(port);
    await expect(publisher.publish("restart", "lost")).rejects.toThrow();
    expect(await bus.ping()).toBe(false);
    await cluster.start(port);
    const deadline = Date.now() + 10_000;
    while (reconnects === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(reconnects).toBe(1);
    expect(await deliveredAfterReconnect).toBe(1);
    expect(await c.until(1)).toEqual(["after"]);
    expect(await bus.ping()).toBe(true);
  });
});
