import { describe, expect, it, vi } from "vitest";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { handshakeError, isStrictlyIncreasing, record, sleep } from "./support/sockets.js";
import { liveSocketsOf as liveSocketsOfCluster, useCluster } from "./support/suite.js";

/** Two nodes on one Postgres and one Redis. */
const cluster = useCluster(2);
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

const liveSocketsOf = (orgId: string, userId: string) => liveSocketsOfCluster(cluster, orgId, userId);

const rename = (orgId: string, token: string, name: string) =>
  call(A(), "PATCH", `/v1/orgs/${orgId}`, { token, body: { name } });

describe("handshake", () => {
  it("refuses unknown tokens and non-members, and accepts members", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const outsider = await signup(A(), "outsider");
    expect(await handshakeError(B().url, org.id, "not-a-token")).toBe("unauthenticated");
    expect(await handshakeError(B().url, org.id, outsider.token)).toBe("forbidden");
    expect(await handshakeError(B().url, "00000000-0000-0000-0000-000000000000", owner.token)).toBe("forbidden");
    const r = record(B().url, org.id, owner.token);
    expect(await r.ready).toEqual({ orgId: org.id, role: "owner", seq: 1 });
    r.close();
  });
});

describe("cross-node delivery", () => {
  it("delivers a mutation made on node A to sockets on both nodes, in order, projected per viewer", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const viewer = await signup(A(), "viewer");
    await addMember(A().db, org.id, viewer.user.id, "viewer");
    const onA = record(A().url, org.id, owner.token);
    const onB = record(B().url, org.id, viewer.token);
    await Promise.all([onA.ready, onB.ready]);
    for (let i = 0; i < 10; i++) await rename(org.id, owner.token, `n${i}`);
    await Promise.all([onA.waitForSeq(11), onB.waitForSeq(11)]);
    expect(onA.seqs()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(onB.seqs()).toEqual(onA.seqs());
    expect(onA.events[0]).toHaveProperty("hash");
    expect(onA.events[0]).toHaveProperty("context");
    expect(onB.events[0]).not.toHaveProperty("hash");
    expect(onB.events[0]).not.toHaveProperty("context");
    onA.close();
    onB.close();
  });
});

describe("revocation", () => {
  it("member removed: the socket on the other node is gone before DELETE answers, after every earlier event", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const bob = await signup(A(), "bob");
    await addMember(A().db, org.id, bob.user.id, "editor");
    const bobOnB = record(B().url, org.id, bob.token);
    await bobOnB.ready;
    await rename(org.id, owner.token, "before");
    const res = await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token });
    expect(res.status).toBe(204);
    // Acknowledged: by now node B has sent `revoked` and disconnected the socket.
    expect(liveSocketsOf(org.id, bob.user.id)).toEqual([]);
    expect(await bobOnB.revoked).toEqual({ orgId: org.id, reason: "member_removed" });
    expect(await bobOnB.disconnected).toBe("io server disconnect");
    expect(bobOnB.log.map(([name]) => name)).toEqual(["ready", "event", "revoked", "disconnect"]);
    expect(bobOnB.seqs()).toEqual([2]);
    // Reconnecting with a removed membership is forbidden.
    expect(await handshakeError(A().url, org.id, bob.token)).toBe("forbidden");
  });

  it("member left: reason member_left, on every node", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const eve = await signup(A(), "eve");
    await addMember(A().db, org.id, eve.user.id, "viewer");
    const eveOnA = record(A().url, org.id, eve.token);
    const eveOnB = record(B().url, org.id, eve.token);
    await Promise.all([eveOnA.ready, eveOnB.ready]);
    expect((await call(B(), "DELETE", `/v1/orgs/${org.id}/members/${eve.user.id}`, { token: eve.token })).status).toBe(
      204,
    );
    expect(liveSocketsOf(org.id, eve.user.id)).toEqual([]);
    expect((await eveOnA.revoked).reason).toBe("member_left");
    expect((await eveOnB.revoked).reason).toBe("member_left");
  });

  it("org deleted: every socket of the org on every node, reason org_deleted", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const viewer = await signup(A(), "viewer");
    await addMember(A().db, org.id, viewer.user.id, "viewer");
    const sockets = [
      record(A().url, org.id, owner.token),
      record(B().url, org.id, viewer.token),
      record(B().url, org.id, owner.token),
    ];
    await Promise.all(sockets.map((s) => s.ready));
    expect((await call(A(), "DELETE", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(204);
    expect([...liveSocketsOf(org.id, owner.user.id), ...liveSocketsOf(org.id, viewer.user.id)]).toEqual([]);
    for (const s of sockets) {
      expect(await s.revoked).toEqual({ orgId: org.id, reason: "org_deleted" });
      expect(s.events.map((e) => e.type)).not.toContain("org.deleted");
    }
  });

  it("logout: only that session's sockets, on every node, across orgs; the token is then unauthenticated", async () => {
    const owner = await signup(A(), "owner");
    const org1 = await createOrg(A(), owner.token);
    const org2 = await createOrg(A(), owner.token);
    const other = await call(A(), "POST", "/v1/auth/login", {
      body: { email: owner.email, password: "correct horse battery" },
    });
    const s1 = record(A().url, org1.id, owner.token);
    const s2 = record(B().url, org2.id, owner.token);
    const keep = record(B().url, org1.id, other.body.token);
    await Promise.all([s1.ready, s2.ready, keep.ready]);
    // Node A has just looked the session up (and remembers it): the logout on B must clear that.
    expect((await call(A(), "GET", "/v1/me", { token: owner.token })).status).toBe(200);
    expect((await call(B(), "POST", "/v1/auth/logout", { token: owner.token })).status).toBe(204);
    expect((await call(A(), "GET", "/v1/me", { token: owner.token })).status).toBe(401);
    const sessionSockets = [...liveSocketsOf(org1.id, owner.user.id), ...liveSocketsOf(org2.id, owner.user.id)];
    expect(sessionSockets).toHaveLength(1); // only the other session's socket remains
    expect((await s1.revoked).reason).toBe("session_revoked");
    expect((await s2.revoked).reason).toBe("session_revoked");
    expect(keep.socket.connected).toBe(true);
    expect(await handshakeError(A().url, org1.id, owner.token)).toBe("unauthenticated");
    keep.close();
  });

  it("races: 200 mutations around a removal; the removed member holds nothing at or above its seq", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const bob = await signup(A(), "bob");
    await addMember(A().db, org.id, bob.user.id, "viewer");
    const bobA = record(A().url, org.id, bob.token);
    const bobB = record(B().url, org.id, bob.token);
    const ownerB = record(B().url, org.id, owner.token);
    await Promise.all([bobA.ready, bobB.ready, ownerB.ready]);
    const node = (i: number) => (i % 2 === 0 ? A() : B());
    const mutations = Array.from({ length: 200 }, (_, i) =>
      call(node(i), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `race ${i}` } }),
    );
    await sleep(5);
    const removal = call(B(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token });
    const results = await Promise.all([...mutations, removal]);
    expect(results.every((r) => r.status < 300)).toBe(true);
    await ownerB.waitForSeq(202);
    const removed = ownerB.events.find((e) => e.type === "member.removed")!;
    for (const s of [bobA, bobB]) {
      await s.disconnected;
      expect(Math.max(0, ...s.seqs())).toBeLessThan(removed.seq);
      const after = s.log.slice(s.log.findIndex(([n]) => n === "revoked") + 1).map(([n]) => n);
      expect(after).toEqual(["disconnect"]);
      expect(isStrictlyIncreasing(s.seqs())).toBe(true);
      // Everything visible below the removal arrived: no gap before the revocation either.
      expect(s.seqs()).toEqual(Array.from({ length: removed.seq - 2 }, (_, i) => i + 2));
    }
    ownerB.close();
  });
});

describe("re-scoping on role change", () => {
  it("viewer → guest loses the org-wide view at once; guest → viewer gains it, without reconnecting", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const mia = await signup(A(), "mia");
    await addMember(A().db, org.id, mia.user.id, "viewer");
    const miaB = record(B().url, org.id, mia.token);
    await miaB.ready;
    await rename(org.id, owner.token, "seen"); // 2
    const demote = await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${mia.user.id}`, {
      token: owner.token,
      body: { role: "guest" },
    }); // 3, about her: seen
    expect(demote.status).toBe(200);
    await rename(org.id, owner.token, "hidden"); // 4: not for guests
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${mia.user.id}`, {
      token: owner.token,
      body: { role: "viewer" },
    }); // 5
    await rename(org.id, owner.token, "seen again"); // 6
    await miaB.waitForSeq(6);
    expect(miaB.seqs()).toEqual([2, 3, 5, 6]);
    expect(miaB.socket.connected).toBe(true);
    miaB.close();
  });

  it("guests see only events about themselves", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const g = await signup(A(), "guest");
    const other = await signup(A(), "other");
    await addMember(A().db, org.id, g.user.id, "guest");
    await addMember(A().db, org.id, other.user.id, "viewer");
    const guest = record(B().url, org.id, g.token);
    const ownerSocket = record(B().url, org.id, owner.token);
    await Promise.all([guest.ready, ownerSocket.ready]);
    await rename(org.id, owner.token, "x"); // 2
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${other.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    }); // 3
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${g.user.id}`, {
      token: owner.token,
      body: { role: "guest" },
    }); // same role: no event
    await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${other.user.id}`, { token: owner.token }); // 4
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${g.user.id}`, {
      token: owner.token,
      body: { role: "viewer" },
    }); // 5
    await ownerSocket.waitForSeq(5);
    await guest.waitForSeq(5);
    expect(guest.seqs()).toEqual([5]);
    guest.close();
    ownerSocket.close();
  });
});

describe("resume", () => {
  it("replays 50 missed events in order before ready, then goes live", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    for (let i = 0; i < 50; i++) await rename(org.id, owner.token, `m${i}`);
    const r = record(B().url, org.id, owner.token, { since: 1 });
    const ready = await r.ready;
    expect(ready.seq).toBe(51);
    expect(r.seqs()).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(r.log.findIndex(([n]) => n === "ready")).toBe(50);
    await rename(org.id, owner.token, "live");
    await r.waitForSeq(52);
    expect(r.seqs().at(-1)).toBe(52);
    r.close();
  });

  it("has no gap and no duplicate across reconnects while mutations commit every few ms", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    let stop = false;
    let committed = 1;
    const writer = (async () => {
      while (!stop) {
        const res = await rename(org.id, owner.token, `w${committed}`);
        if (res.status === 200) committed++;
        await sleep(3);
      }
    })();
    const seen: number[] = [];
    let since = 1;
    for (let round = 0; round < 8; round++) {
      const r = record(round % 2 ? A().url : B().url, org.id, owner.token, { since });
      await r.ready;
      await sleep(30 + round * 5);
      r.close();
      seen.push(...r.seqs());
      since = seen.at(-1) ?? since;
    }
    stop = true;
    await writer;
    const last = record(A().url, org.id, owner.token, { since });
    const ready = await last.ready;
    seen.push(...last.seqs());
    last.close();
    expect(ready.seq).toBe(committed);
    expect(seen).toEqual(Array.from({ length: committed - 1 }, (_, i) => i + 2));
  });

  it("a replay from the node's recent events sends each viewer exactly what GET /events shows them", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const viewer = await signup(A(), "viewer");
    const guest = await signup(A(), "guest");
    await addMember(A().db, org.id, viewer.user.id, "viewer");
    await addMember(A().db, org.id, guest.user.id, "guest");
    // A socket on B from the start: B's stream applies every event below, and keeps the recent ones.
    const watcher = record(B().url, org.id, owner.token);
    await watcher.ready;
    const asOwner = { token: owner.token };
    const project = async (name: string) =>
      (await call(A(), "POST", `/v1/orgs/${org.id}/projects`, { ...asOwner, body: { name } })).body.id as string;
    const mine = await project("guest's");
    const other = await project("not the guest's");
    await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${mine}/members/${guest.user.id}`, {
      ...asOwner,
      body: { role: "viewer" },
    });
    for (const p of [mine, other]) {
      await call(A(), "POST", `/v1/orgs/${org.id}/projects/${p}/resources`, {
        ...asOwner,
        body: { type: "vps", name: `vps-${p.slice(0, 4)}` },
      });
    }
    await call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, { ...asOwner, body: { name: "ci", role: "viewer" } }); // owner-only
    await rename(org.id, owner.token, "renamed");
    const head = (await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=500`, asOwner)).body.items.at(-1).seq;
    await watcher.waitForSeq(head);
    for (const user of [owner, viewer, guest]) {
      const expected = (await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=500`, { token: user.token })).body
        .items as { seq: number; type: string }[];
      const r = record(B().url, org.id, user.token, { since: 1 });
      expect((await r.ready).seq).toBe(head);
      expect(r.events.map((e) => [e.seq, e.type])).toEqual(
        expected.filter((e) => e.seq > 1).map((e) => [e.seq, e.type]),
      );
      r.close();
    }
    // The three views differ, so the comparison above tells them apart.
    const counts = await Promise.all(
      [owner, viewer, guest].map(
        async (u) =>
          (await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=500`, { token: u.token })).body.items.length,
      ),
    );
    expect(new Set(counts).size).toBe(3);
    watcher.close();
  });

  it("authorizes a replay against current state: a guest replays only what a guest sees", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const g = await signup(A(), "g");
    await addMember(A().db, org.id, g.user.id, "viewer");
    await rename(org.id, owner.token, "while viewer"); // 2
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${g.user.id}`, {
      token: owner.token,
      body: { role: "guest" },
    }); // 3
    const r = record(B().url, org.id, g.token, { since: 0 });
    expect((await r.ready).role).toBe("guest");
    expect(r.seqs()).toEqual([3]);
    r.close();
  });
});

describe("multiplexing", () => {
  it("one connection holds several org namespaces; revoking one leaves the others live", async () => {
    const { Manager } = await import("socket.io-client");
    const owner = await signup(A(), "owner");
    const member = await signup(A(), "member");
    const org1 = await createOrg(A(), owner.token, "One");
    const org2 = await createOrg(A(), owner.token, "Two");
    await addMember(A().db, org1.id, member.user.id, "viewer");
    await addMember(A().db, org2.id, member.user.id, "viewer");
    const manager = new Manager(B().url, { transports: ["websocket"], reconnection: false });
    const s1 = manager.socket(`/orgs/${org1.id}`, { auth: { token: member.token } });
    const s2 = manager.socket(`/orgs/${org2.id}`, { auth: { token: member.token } });
    await Promise.all([s1, s2].map((s) => new Promise((r) => s.once("ready", r))));
    const revoked = new Promise((r) => s1.once("revoked", r));
    const got2: number[] = [];
    s2.on("event", (e: { seq: number }) => got2.push(e.seq));
    await call(A(), "DELETE", `/v1/orgs/${org1.id}/members/${member.user.id}`, { token: owner.token });
    expect(await revoked).toEqual({ orgId: org1.id, reason: "member_removed" });
    await call(A(), "PATCH", `/v1/orgs/${org2.id}`, { token: owner.token, body: { name: "Still here" } });
    await vi.waitFor(() => expect(got2).toEqual([2]));
    expect(s2.connected).toBe(true);
    s2.close();
    manager._close();
  });
});
