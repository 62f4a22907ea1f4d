import { describe, expect, it } from "vitest";
import type { RevocationReason } from "../client-sdk/src/contract/index.js";
import { addMember, call, createOrg, signup, type TestUser } from "./support/api.js";
import { type Recorder, record, sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

/**
 * A credential revoked while handshakes are in flight on both nodes: whatever stage a handshake was
 * at when the revocation landed, no socket stays connected and none receives an event at or after
 * the revoking seq. Before credential liveness was checked at attach, about one in five such
 * handshakes ended `ready` and kept streaming.
 */
const cluster = useCluster(2, { API_KEY_EXPIRY_SWEEP_MS: "100" });
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

const PASSWORD = "correct horse battery";

/** Sockets still attached on either node that were opened with `token` (any token when undefined). */
const liveSockets = (orgId: string, token?: string) =>
  cluster.nodes.flatMap((n) =>
    [...(n.io._nsps.get(`/orgs/${orgId}`)?.sockets.values() ?? [])].filter(
      (s) => token === undefined || s.handshake.auth.token === token,
    ),
  );

const head = async (orgId: string, token: string): Promise<number> => {
  const res = await call(A(), "GET", `/v1/orgs/${orgId}`, { token });
  expect(res.status).toBe(200);
  const events = await call(A(), "GET", `/v1/orgs/${orgId}/events?since=0&limit=500`, { token });
  return Math.max(...events.body.items.map((e: { seq: number }) => e.seq));
};

const seqOf = async (orgId: string, ownerToken: string, type: string): Promise<number> => {
  const events = await call(A(), "GET", `/v1/orgs/${orgId}/events?since=0&limit=500`, { token: ownerToken });
  const found = events.body.items.find((e: { type: string }) => e.type === type);
  expect(found, `no ${type} event`).toBeDefined();
  return found.seq;
};

interface RaceOptions {
  orgId: string;
  owner: TestUser;
  /** The credential under attack. */
  token: string;
  /** Lands the revocation; answers the seq from which nothing may be delivered. */
  revoke: () => Promise<number>;
  reasons: RevocationReason[];
  /** Handshake refusals expected once the revocation is in force. */
  refusals: string[];
}

/**
 * Opens a socket with `token` every few ms on alternating nodes while the owner writes; lands the
 * revocation mid-stream; keeps opening and writing a while; then checks every socket.
 */
async function race(o: RaceOptions) {
  const sockets: Recorder[] = [];
  let opening = true;
  let writing = true;
  const opener = (async () => {
    for (let i = 0; opening; i++) {
      sockets.push(record((i % 2 === 0 ? A() : B()).url, o.orgId, o.token, { since: 0 }));
      await sleep(3);
    }
  })();
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const res = await call(i % 2 === 0 ? A() : B(), "PATCH", `/v1/orgs/${o.orgId}`, {
        token: o.owner.token,
        body: { name: `w${i}` },
      });
      if (res.status !== 200) await sleep(5); // the org is gone: keep the loop from spinning
    }
  })();
  await sleep(300);
  const cutoff = await o.revoke();
  await sleep(300);
  opening = false;
  await opener;
  await sleep(200);
  writing = false;
  await writer;
  // Let every handshake, attach and delivery settle.
  await sleep(1_000);

  expect(liveSockets(o.orgId, o.token)).toEqual([]);
  let readyCount = 0;
  for (const s of sockets) {
    const gotReady = s.log.some(([name]) => name === "ready");
    if (gotReady) readyCount++;
    expect(s.socket.connected, "a socket of the revoked credential is still connected").toBe(false);
    expect(s.seqs().filter((seq) => seq >= cutoff)).toEqual([]);
    const revoked = s.log.find(([name]) => name === "revoked")?.[1] as { reason: RevocationReason } | undefined;
    if (revoked) {
      expect(o.reasons).toContain(revoked.reason);
      // Nothing after `revoked` but the disconnect.
      const after = s.log.slice(s.log.findIndex(([n]) => n === "revoked") + 1).map(([n]) => n);
      expect(after).toEqual(["disconnect"]);
    }
    s.close();
  }
  // The race was real: sockets became ready before the revocation, and handshakes after it failed.
  expect(readyCount).toBeGreaterThan(0);
  const refused = sockets.filter((s) => s.log.length === 0 && !s.socket.connected);
  expect(refused.length).toBeGreaterThan(0);
  const last = sockets.at(-1) as Recorder;
  await expect(last.ready).rejects.toThrow(new RegExp(o.refusals.join("|")));
}

async function createKey(orgId: string, token: string, body: Record<string, unknown> = {}) {
  const res = await call(A(), "POST", `/v1/orgs/${orgId}/api-keys`, {
    token,
    body: { name: "race", role: "owner", audit: true, ...body },
  });
  expect(res.status).toBe(201);
  return res.body as { apiKey: { id: string }; secret: string };
}

describe("revocation racing handshakes on two nodes", () => {
  it("API key revoked: no handshake in flight ends ready and streaming", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const key = await createKey(org.id, owner.token);
    await race({
      orgId: org.id,
      owner,
      token: key.secret,
      revoke: async () => {
        const res = await call(B(), "DELETE", `/v1/orgs/${org.id}/api-keys/${key.apiKey.id}`, { token: owner.token });
        expect(res.status).toBe(204);
        return seqOf(org.id, owner.token, "api_key.revoked");
      },
      reasons: ["api_key_revoked"],
      refusals: ["unauthenticated"],
    });
  });

  it("API key expired: the sweep's revocation reaches handshakes in flight", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const key = await createKey(org.id, owner.token, { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    await race({
      orgId: org.id,
      owner,
      token: key.secret,
      revoke: async () => {
        // Wait for the expiry and its sweep; from the expiry on, nothing may be delivered.
        for (let i = 0; i < 100; i++) {
          const events = await call(A(), "GET", `/v1/orgs/${org.id}/events?since=0&limit=500`, { token: owner.token });
          const found = events.body.items.find((e: { type: string }) => e.type === "api_key.revoked");
          if (found) return found.seq;
          await sleep(50);
        }
        throw new Error("the key was never swept");
      },
      reasons: ["api_key_revoked"],
      refusals: ["unauthenticated"],
    });
  });

  it("logout: the session's handshakes in flight never stream past it", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const login = await call(A(), "POST", "/v1/auth/login", { body: { email: owner.email, password: PASSWORD } });
    const session = login.body.token as string;
    await race({
      orgId: org.id,
      owner,
      token: session,
      revoke: async () => {
        expect((await call(B(), "POST", "/v1/auth/logout", { token: session })).status).toBe(204);
        // Logout has no org event: everything committed after it answered is off limits.
        return (await head(org.id, owner.token)) + 1;
      },
      reasons: ["session_revoked"],
      refusals: ["unauthenticated"],
    });
  });

  it("member removed: their handshakes in flight never stream past the removal", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const bob = await signup(A(), "bob");
    await addMember(A().db, org.id, bob.user.id, "editor");
    await race({
      orgId: org.id,
      owner,
      token: bob.token,
      revoke: async () => {
        const res = await call(B(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token });
        expect(res.status).toBe(204);
        return seqOf(org.id, owner.token, "member.removed");
      },
      reasons: ["member_removed"],
      refusals: ["forbidden"],
    });
  });

  it("org deleted: handshakes in flight end refused or revoked", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const viewer = await signup(A(), "viewer");
    await addMember(A().db, org.id, viewer.user.id, "viewer");
    await race({
      orgId: org.id,
      owner,
      token: viewer.token,
      revoke: async () => {
        expect((await call(B(), "DELETE", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(204);
        // The org answers 404 now, its log included: read the deletion's seq from the database.
        const row = await A()
          .db.selectFrom("events")
          .select("seq")
          .where("org_id", "=", org.id)
          .where("type", "=", "org.deleted")
          .executeTakeFirstOrThrow();
        return Number(row.seq);
      },
      reasons: ["org_deleted"],
      refusals: ["forbidden"],
    });
  });
});
