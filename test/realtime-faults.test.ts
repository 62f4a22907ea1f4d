/**
 * Delivery never trusts Redis alone: with the test's own Redis killed while mutations commit,
 * every event still reaches the sockets on both nodes, in order, once Redis is back (through the
 * reconnect gap-fill) or even before (through the head poller).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { OrgwireNode } from "../server/node.js";
import { call, createOrg, signup } from "./support/api.js";
import { startTestNode } from "./support/nodes.js";
import { startPrivateRedis } from "./support/private-redis.js";
import { createTestDatabase, uniquePrefix } from "./support/services.js";
import { isStrictlyIncreasing, record, sleep } from "./support/sockets.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function twoNodesOnPrivateRedis(env: Record<string, string>) {
  const db = await createTestDatabase();
  cleanups.push(db.drop);
  const redis = await startPrivateRedis();
  cleanups.push(redis.stop);
  const prefix = uniquePrefix("fault");
  const nodes: (OrgwireNode & { url: string })[] = [];
  for (const id of ["a", "b"]) {
    const node = await startTestNode({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      NODE_ID: id,
      ...env,
    });
    cleanups.push(() => node.close());
    nodes.push(node);
  }
  return { redis, a: nodes[0]!, b: nodes[1]! };
}

/** Waits until the node's /readyz is 200: its database and its bus (the publishing connection) answer. */
async function busAnswers(node: OrgwireNode, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await node.app.request("/readyz")).status !== 200) {
    if (Date.now() > deadline) throw new Error(`node ${node.config.NODE_ID} not ready after ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe("Redis outage", () => {
  for (const [label, env] of [
    ["gap-fill on reconnect (head poller off)", { HEAD_POLL_MS: "3600000" }],
    ["head poller while Redis is still down", { HEAD_POLL_MS: "200" }],
  ] as const) {
    it(`delivers every event committed while Redis was down, in order, on both nodes: ${label}`, async () => {
      const { redis, a, b } = await twoNodesOnPrivateRedis(env);
      const owner = await signup(a, "owner");
      const org = await createOrg(a, owner.token);
      const onA = record(a.url, org.id, owner.token);
      const onB = record(b.url, org.id, owner.token);
      await Promise.all([onA.ready, onB.ready]);
      await call(a, "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "before" } }); // 2
      await onB.waitForSeq(2);

      await redis.stop();
      for (let i = 0; i < 20; i++) {
        const res = await call(i % 2 ? a : b, "PATCH", `/v1/orgs/${org.id}`, {
          token: owner.token,
          body: { name: `down ${i}` },
        });
        expect(res.status).toBe(200); // Postgres is the truth: mutations still succeed
      }
      if (env.HEAD_POLL_MS === "200") {
        // The poller reads the head from Postgres: both nodes catch up with Redis still down.
        await Promise.all([onA.waitForSeq(22), onB.waitForSeq(22)]);
        await redis.start();
      } else {
        await sleep(300);
        await redis.start();
        await Promise.all([onA.waitForSeq(22, 15_000), onB.waitForSeq(22, 15_000)]);
        // Seq 22 on b proves b's subscriber connection is back (its reconnect did the gap-fill),
        // not that a's publisher connection is: each node has two, and they reconnect on their own
        // schedules. A change published before a's publisher is back is lost on the bus, and with
        // the head poller off nothing would ever fill it. "Redis is back" is what each node says.
        await Promise.all([busAnswers(a), busAnswers(b)]);
      }
      await call(a, "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "after" } }); // 23
      await Promise.all([onA.waitForSeq(23, 15_000), onB.waitForSeq(23, 15_000)]);
      const expected = Array.from({ length: 22 }, (_, i) => i + 2);
      expect(onA.seqs()).toEqual(expected);
      expect(onB.seqs()).toEqual(expected);
      expect(isStrictlyIncreasing(onB.seqs())).toBe(true);
      expect(onA.socket.connected && onB.socket.connected).toBe(true); // no reconnect was needed
      onA.close();
      onB.close();
    });
  }
});
