import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createOrg, signup, type TestUser } from "./support/api.js";
import { type SpawnedNode, spawnNode } from "./support/nodes.js";
import { openRaw, type RawConnection } from "./support/raw-socket.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";
import { record, sleep } from "./support/sockets.js";

/**
 * Readers that stop reading: a node keeps a bounded number of bytes for each, whatever the log's
 * size, and the org's other sockets keep getting live events. The node runs as its own process so
 * its resident memory can be read from /proc.
 */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** A VPS with 20 long SSH keys: an event of about 80 KB in every org-wide view. */
const SSH_KEYS = Array.from({ length: 20 }, (_, i) => `ssh-ed25519 ${"A".repeat(4_000)} k${i}`);
const EVENT_BYTES = SSH_KEYS.join("").length;
const LOG_BYTES = 24 * 1024 * 1024;
const WRITES = Math.ceil(LOG_BYTES / EVENT_BYTES);

let node: SpawnedNode;
let drop: () => Promise<void>;
let owner: TestUser;
let orgId: string;
let liveStaller: RawConnection;

const rssBytes = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0) * 1024;
};

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  node = await spawnNode({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: uniquePrefix("stall"),
    NODE_ID: "stall-node",
    SOCKET_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
  });
  owner = await signup(node, "owner");
  orgId = (await createOrg(node, owner.token)).id;
  // A live reader (no replay) that stops reading before the log grows: it must be dropped.
  liveStaller = await openRaw(node.url);
  liveStaller.connect(`/orgs/${orgId}`, { token: owner.token });
  while (!liveStaller.packets("2", `/orgs/${orgId}`).some((f) => f.includes('"ready"'))) await sleep(10);
  liveStaller.stall();
  // About 24 MB of log: resources whose config carries the keys.
  const project = await call(node, "POST", `/v1/orgs/${orgId}/projects`, { token: owner.token, body: { name: "big" } });
  expect(project.status).toBe(201);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < WRITES) {
        const i = next++;
        const res = await call(node, "POST", `/v1/orgs/${orgId}/projects/${project.body.id}/resources`, {
          token: owner.token,
          body: { type: "vps", name: `vps-${i}`, config: { sshKeys: SSH_KEYS } },
        });
        if (res.status !== 201) throw new Error(`write ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
}, 180_000);

afterAll(async () => {
  liveStaller?.close();
  await node?.kill();
  await drop?.();
});

describe("readers that stop reading", () => {
  it("a live socket that stops reading is dropped once the node holds more than the bound for it", async () => {
    // The staller read nothing of the ~24 MB written since: the node gave up on it.
    expect(node.output()).toContain("connection does not read; dropping it");
  });

  it("10 stalled replays of a 24 MB log add little memory, and live events still flow to others", async () => {
    const key = await call(node, "POST", `/v1/orgs/${orgId}/api-keys`, {
      token: owner.token,
      body: { name: "live reader", role: "viewer" },
    });
    const live = record(node.url, orgId, key.body.secret);
    await live.ready;
    await sleep(500);
    const before = rssBytes(node.child.pid as number);

    const stalled: RawConnection[] = [];
    for (let i = 0; i < 10; i++) {
      const raw = await openRaw(node.url);
      raw.connect(`/orgs/${orgId}`, { token: owner.token, since: 0 });
      raw.stall();
      stalled.push(raw);
    }
    // Let every replay run into its connection's full buffers.
    await sleep(3_000);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const seen = live.events.length;
      const t = Date.now();
      await call(node, "PATCH", `/v1/orgs/${orgId}`, { token: owner.token, body: { name: `live ${i}` } });
      while (live.events.length === seen && Date.now() - t < 5_000) await sleep(2);
      latencies.push(Date.now() - t);
    }
    const grown = rssBytes(node.child.pid as number) - before;
    for (const raw of stalled) raw.close();
    live.close();

    console.info(
      `stalled replays: RSS +${(grown / 2 ** 20).toFixed(1)} MB; live latency max ${Math.max(...latencies)} ms`,
    );
    // Unbounded, each replay held the whole 24 MB log (about 230 MB for ten).
    expect(grown).toBeLessThan(80 * 1024 * 1024);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });
});
