import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgwireNode } from "../server/node.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { startTestNode } from "./support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";
import { record } from "./support/sockets.js";

/**
 * Every node that PUBLISH counted acknowledges, the committing node included. When the revoked
 * member's sockets are all a namespace holds, applying the revocation ends that node's
 * subscription before its own message comes back: the node acknowledges itself once applied,
 * instead of waiting for that echo (which used to make every such removal wait out the timeout).
 */
const warnings: string[] = [];
const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });
let nodes: (OrgwireNode & { url: string })[] = [];
let drop: () => Promise<void> = async () => {};

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: uniquePrefix("acks") };
  nodes = [
    await startTestNode({ ...env, NODE_ID: "a" }, logger),
    await startTestNode({ ...env, NODE_ID: "b" }, logger),
  ];
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await drop();
});

describe("revocation acknowledgements", () => {
  it("come from every counted node when the revoked sockets were the only ones, on both nodes", async () => {
    const [a, b] = nodes as [OrgwireNode & { url: string }, OrgwireNode & { url: string }];
    const owner = await signup(a, "owner");
    for (let round = 0; round < 3; round++) {
      const org = await createOrg(a, owner.token, `Acks ${round}`);
      const member = await signup(a, "member");
      await addMember(a.db, org.id, member.user.id, "viewer");
      const sockets = [record(a.url, org.id, member.token), record(b.url, org.id, member.token)];
      await Promise.all(sockets.map((s) => s.ready));
      const removed = await call(a, "DELETE", `/v1/orgs/${org.id}/members/${member.user.id}`, { token: owner.token });
      expect(removed.status).toBe(204);
      for (const s of sockets) expect(await s.revoked).toEqual({ orgId: org.id, reason: "member_removed" });
    }
    expect(warnings.filter((w) => w.includes("not acknowledged"))).toEqual([]);
  }, 30_000);
});
