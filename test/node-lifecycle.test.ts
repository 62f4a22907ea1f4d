import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../server/config.js";
import { call, createOrg, signup } from "./support/api.js";
import { type SpawnedNode, spawnNode, startTestNode } from "./support/nodes.js";
import { startPrivateRedis } from "./support/private-redis.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const track = (node: SpawnedNode) => {
  cleanups.push(() => node.kill());
  return node;
};

describe("configuration", () => {
  it("defaults to port 3000, embedded Postgres and the in-process bus", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: "0.0.0.0", DATA_DIR: "./.data", LOG_LEVEL: "info" });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.PUBLIC_URL).toBe("http://localhost:3000");
  });

  it("stops on a bad value with one line naming the variable", async () => {
    for (const [name, value] of [
      ["PORT", "abc"],
      ["DATABASE_URL", "mysql://x"],
      ["LOG_LEVEL", "loud"],
    ]) {
      const node = await spawnNode({ [name as string]: value as string }, { waitReady: false });
      const code = await node.exited;
      expect(code, name).toBe(1);
      const lines = node.output().trim().split("\n");
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toContain(name as string);
    }
  });
});

describe("the embedded default", () => {
  it("serves /readyz, signup, org creation and events with no env at all, one process per data dir", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "orgwire-")), "nested", "data");
    const node = track(await spawnNode({ DATA_DIR: dataDir }));
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    const owner = await signup(node, "embedded");
    const org = await createOrg(node, owner.token);
    const events = await call(node, "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(["org.created"]);

    const second = await spawnNode({ DATA_DIR: dataDir }, { waitReady: false });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/in use by another Orgwire process/);

    // The data outlives the process.
    expect(await node.kill("SIGTERM")).toBe(0);
    const again = track(await spawnNode({ DATA_DIR: dataDir }));
    const me = await call(again, "POST", "/v1/auth/login", {
      body: { email: owner.email, password: "correct horse battery" },
    });
    expect(me.status).toBe(200);
  });
});

describe("several nodes", () => {
  it("three nodes started at once on an empty database all come up", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const env = { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: uniquePrefix("three") };
    const nodes = await Promise.all([0, 1, 2].map((i) => spawnNode({ ...env, NODE_ID: `n${i}` })));
    nodes.forEach(track);
    const owner = await signup(nodes[0]!, "three");
    const org = await createOrg(nodes[1]!, owner.token);
    expect((await call(nodes[2]!, "GET", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(200);
  });
});

describe("health", () => {
  it("/readyz turns 503 while Redis is down and 200 when it is back; /healthz stays 200", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const redis = await startPrivateRedis();
    cleanups.push(redis.stop);
    const node = await startTestNode({ DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix() });
    cleanups.push(() => node.close());
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    await redis.stop();
    expect((await fetch(`${node.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    // Postgres is the truth: mutations still succeed while Redis is down.
    const owner = await signup(node, "no-redis");
    expect((await call(node, "POST", "/v1/orgs", { token: owner.token, body: { name: "Still works" } })).status).toBe(
      201,
    );
    await redis.start();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${node.url}/readyz`)).status;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });

  it("/readyz turns 503 when the database goes away", async () => {
    const db = await createTestDatabase();
    const node = await startTestNode({ DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: uniquePrefix() });
    cleanups.push(() => node.close());
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    await db.drop();
    expect((await fetch(`${node.url}/readyz`)).status).toBe(503);
  });
});

describe("SIGTERM", () => {
  it("closes the transport so sockets reconnect elsewhere, then exits 0", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const node = await spawnNode({ DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: uniquePrefix() });
    const owner = await signup(node, "drain");
    const org = await createOrg(node, owner.token);
    const socket = io(`${node.url}/orgs/${org.id}`, {
      auth: { token: owner.token },
      transports: ["websocket"],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("ready", () => resolve());
      socket.once("connect_error", reject);
    });
    const reason = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    node.child.kill("SIGTERM");
    expect(await reason).toBe("transport close");
    expect(await node.exited).toBe(0);
  });
});
