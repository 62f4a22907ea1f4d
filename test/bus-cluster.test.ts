import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup, type TestUser } from "./support/api.js";
import { startTestNode } from "./support/nodes.js";
import { startRedisCluster, type TestRedisCluster } from "./support/redis-cluster.js";
import { createTestDatabase, uniquePrefix } from "./support/services.js";
import { isStrictlyIncreasing, type Recorder, record, sleep } from "./support/sockets.js";

/**
 * Two nodes on a real 3-master Redis Cluster (REDIS_CLUSTER_NODES), the bus on sharded pub/sub.
 * HEAD_POLL_MS is out of reach, so the head poll cannot hide a bus that drops messages or never
 * reports a reconnect: everything a socket gets here came over the cluster or from the bus's
 * onReconnect gap-fill.
 */
type Node = Awaited<ReturnType<typeof startTestNode>>;

let redis: TestRedisCluster;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const nodes: Node[] = [];
const prefix = uniquePrefix("cluster");
/** The nodes' warnings: a revocation not acknowledged in time shows up here. */
const warnings: string[] = [];
const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });
const A = () => nodes[0]!;
const B = () => nodes[1]!;

beforeAll(async () => {
  [redis, db] = await Promise.all([startRedisCluster(), createTestDatabase()]);
  // Node ids whose ack channels live on two different masters, so acks cross shards too.
  const nodeIds: string[] = [];
  const ackMasters = new Set<number>();
  for (let i = 0; nodeIds.length < 2; i++) {
    const master = await redis.masterOf(`${prefix}ack.node-${i}`);
    if (ackMasters.has(master)) continue;
    ackMasters.add(master);
    nodeIds.push(`node-${i}`);
  }
  for (const NODE_ID of nodeIds) {
    nodes.push(
      await startTestNode(
        {
          DATABASE_URL: db.url,
          REDIS_CLUSTER_NODES: redis.nodes,
          REDIS_PREFIX: prefix,
          NODE_ID,
          HEAD_POLL_MS: "600000",
          LOGIN_MAX_FAILURES: "3",
        },
        logger,
      ),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.close();
  await redis?.shutdown();
  await db?.drop();
});

const orgChannel = (orgId: string) => `${prefix}org.${orgId}`;

/** Sockets attached on either node to `orgId`'s namespace with `token`. */
const liveSockets = (orgId: string, token: string) =>
  nodes.flatMap((n) =>
    [...(n.io._nsps.get(`/orgs/${orgId}`)?.sockets.values() ?? [])].filter((s) => s.handshake.auth.token === token),
  );

/**
 * Runs an access-changing request. The receivers it waits acks from are what SPUBLISH answered on
 * the channel's shard: a count from the wrong shard (more than the subscribers) leaves acks
 * missing and logs "not acknowledged"; none may be logged.
 */
async function acknowledged<T>(request: () => Promise<T>): Promise<T> {
  const before = warnings.length;
  const result = await request();
  expect(warnings.slice(before).filter((line) => line.includes("not acknowledged"))).toEqual([]);
  return result;
}

const rename = async (orgId: string, token: string, name: string, on = A()) => {
  const res = await call(on, "PATCH", `/v1/orgs/${orgId}`, { token, body: { name } });
  expect(res.status).toBe(200);
};

describe("bus on a Redis Cluster", () => {
  it("delivers events committed on one node to sockets on the other", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const socket = record(B().url, org.id, owner.token);
    await socket.ready;
    for (let i = 0; i < 5; i++) await rename(org.id, owner.token, `n${i}`);
    await socket.waitForSeq(6, 5_000);
    expect(socket.seqs()).toEqual([2, 3, 4, 5, 6]);
    socket.close();
  });

  it("answers a revocation only once both nodes' sockets are revoked, for orgs on different shards", async () => {
    const owner = await signup(A(), "owner");
    const bob = await signup(A(), "bob");
    // Orgs until two of them have their channels on different masters.
    const orgs: { id: string; master: number }[] = [];
    while (orgs.length < 2) {
      const org = await createOrg(A(), owner.token, `Org ${orgs.length}`);
      const master = await redis.masterOf(orgChannel(org.id));
      if (orgs.some((o) => o.master === master)) continue;
      orgs.push({ id: org.id, master });
      await addMember(A().db, org.id, bob.user.id, "viewer");
    }
    const [x, y] = [orgs[0]!, orgs[1]!];
    const open = (orgId: string) => [record(A().url, orgId, bob.token), record(B().url, orgId, bob.token)];
    const onX = open(x.id);
    const onY = open(y.id);
    await Promise.all([...onX, ...onY].map((s) => s.ready));
    expect(liveSockets(x.id, bob.token)).toHaveLength(2);

    // Removing bob from X goes over X's channel (on its shard) and is acknowledged on the ack
    // channels (on theirs): when the call answers, both nodes have revoked and dropped his sockets.
    const removeX = await acknowledged(() =>
      call(B(), "DELETE", `/v1/orgs/${x.id}/members/${bob.user.id}`, { token: owner.token }),
    );
    expect(removeX.status).toBe(204);
    expect(liveSockets(x.id, bob.token)).toEqual([]);
    for (const s of onX) expect(await s.revoked).toEqual({ orgId: x.id, reason: "member_removed" });
    expect(liveSockets(y.id, bob.token)).toHaveLength(2);

    const removeY = await acknowledged(() =>
      call(A(), "DELETE", `/v1/orgs/${y.id}/members/${bob.user.id}`, { token: owner.token }),
    );
    expect(removeY.status).toBe(204);
    expect(liveSockets(y.id, bob.token)).toEqual([]);
    for (const s of onY) expect(await s.revoked).toEqual({ orgId: y.id, reason: "member_removed" });
  });

  it("answers a logout only once both nodes dropped the session's sockets (the sessions channel)", async () => {
    const owner = await signup(A(), "owner");
    const carol: TestUser = await signup(A(), "carol");
    const org = await createOrg(A(), owner.token);
    await addMember(A().db, org.id, carol.user.id, "viewer");
    const sockets = [record(A().url, org.id, carol.token), record(B().url, org.id, carol.token)];
    await Promise.all(sockets.map((s) => s.ready));
    const logout = await acknowledged(() => call(A(), "POST", "/v1/auth/logout", { token: carol.token }));
    expect(logout.status).toBe(204);
    expect(liveSockets(org.id, carol.token)).toEqual([]);
    for (const s of sockets) expect(await s.revoked).toEqual({ orgId: org.id, reason: "session_revoked" });
  });

  it("shares rate limits between the nodes through the cluster (LOGIN_MAX_FAILURES=3)", async () => {
    const user = await signup(A(), "limited");
    const wrong = { email: user.email, password: "not the password" };
    // Three failures spread over both nodes count once each, in one place: the fourth is refused anywhere.
    for (const node of [A(), B(), A()])
      expect((await call(node, "POST", "/v1/auth/login", { body: wrong })).status).toBe(401);
    const refused = await call(B(), "POST", "/v1/auth/login", { body: wrong });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("loses nothing when the org's shard master is killed and restarted mid-stream", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const master = await redis.masterOf(orgChannel(org.id));
    const socket: Recorder = record(B().url, org.id, owner.token, { since: 0 });
    await socket.ready;

    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await rename(org.id, owner.token, `w${written}`);
        written++;
        await sleep(10);
      }
    })();
    await sleep(300);
    await redis.stop(master);
    // Commits go on while the shard is gone; their publishes fail, Postgres keeps them.
    const writtenBeforeRestart = written;
    await sleep(1_000);
    expect(written).toBeGreaterThan(writtenBeforeRestart);
    await redis.start(master);
    await sleep(500);
    writing = false;
    await writer;

    const head = 1 + written; // org.created, then one event per rename
    await socket.waitForSeq(head, 15_000);
    await sleep(200); // time for a duplicate to show up, if one were coming
    const seqs = socket.seqs();
    expect(isStrictlyIncreasing(seqs)).toBe(true);
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(socket.socket.connected).toBe(true);
    socket.close();
  });
});
