import { describe, expect, it } from "vitest";
import { expiredUnrevokedKeys } from "../server/api-keys/api-keys.repository.js";
import { hashToken } from "../server/auth/tokens.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { handshakeError, record, sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(2, { API_KEY_EXPIRY_SWEEP_MS: "200" });
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

async function createKey(orgId: string, token: string, body: Record<string, unknown> = {}) {
  const res = await call(A(), "POST", `/v1/orgs/${orgId}/api-keys`, {
    token,
    body: { name: "ci", role: "editor", ...body },
  });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { apiKey: { id: string; prefix: string }; secret: string };
}

describe("API keys", () => {
  it("shows the secret once, lists without it, and stores only its hash", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const created = await createKey(org.id, owner.token, { role: "viewer", audit: true });
    expect(created.secret).toMatch(/^ow_[A-Za-z0-9_-]{43}$/);
    expect(Object.keys(created.apiKey).sort()).toEqual([
      "audit",
      "createdAt",
      "expiresAt",
      "id",
      "name",
      "prefix",
      "role",
    ]);
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    const list = await call(A(), "GET", `/v1/orgs/${org.id}/api-keys`, { token: owner.token });
    expect(list.body.items).toEqual([created.apiKey]);
    expect(JSON.stringify(list.body)).not.toContain(created.secret);
    const row = await A()
      .db.selectFrom("api_keys")
      .selectAll()
      .where("id", "=", created.apiKey.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashToken(created.secret));
    expect(Object.values(row).map(String)).not.toContain(created.secret);
    // The key works as a bearer token on its org's routes.
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/members`, { token: created.secret })).status).toBe(200);
  });

  it("acts with the lesser of its role and its creator's current role", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const second = await signup(A(), "second");
    await addMember(A().db, org.id, second.user.id, "owner");
    const key = await createKey(org.id, second.token, { role: "owner" });
    expect(
      (await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: key.secret, body: { name: "by key" } })).status,
    ).toBe(200);
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${second.user.id}`, {
      token: owner.token,
      body: { role: "viewer" },
    });
    expect((await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: key.secret, body: { name: "no" } })).status).toBe(
      403,
    );
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: key.secret })).body.role).toBe("viewer");
  });

  it("changes settings as an owner key, but never the audit retention (403): that needs an owner user", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const key = await createKey(org.id, owner.token, { role: "owner", audit: true });
    const patch = (token: string, body: unknown) => call(A(), "PATCH", `/v1/orgs/${org.id}`, { token, body });

    for (const settings of [{ auditRetentionDays: 1 }, { auditRetentionDays: 3650, preferences: { language: "de" } }]) {
      const refused = await patch(key.secret, { settings });
      expect(refused.status, JSON.stringify(settings)).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: "forbidden",
        message: expect.stringContaining("auditRetentionDays"),
      });
    }
    // Nothing of a refused call is applied, nor recorded.
    const before = await call(A(), "GET", `/v1/orgs/${org.id}`, { token: owner.token });
    expect(before.body.settings).toEqual({});
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(["org.created", "api_key.created"]);

    // Other settings stay the key's to change.
    expect((await patch(key.secret, { name: "by key", settings: { preferences: { language: "fr" } } })).status).toBe(
      200,
    );
    // An owner user may set the retention.
    const byOwner = await patch(owner.token, { settings: { auditRetentionDays: 30 } });
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.settings).toEqual({ preferences: { language: "fr" }, auditRetentionDays: 30 });
  });

  it("never manages keys, never deletes the org, and works in its own org only", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const other = await createOrg(A(), owner.token, "Other");
    const key = await createKey(org.id, owner.token, { role: "owner" });
    expect(
      (
        await call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, {
          token: key.secret,
          body: { name: "x", role: "viewer" },
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(A(), "DELETE", `/v1/orgs/${org.id}/api-keys/${key.apiKey.id}`, { token: key.secret })).status,
    ).toBe(403);
    expect((await call(A(), "DELETE", `/v1/orgs/${org.id}`, { token: key.secret })).status).toBe(403);
    expect((await call(A(), "GET", `/v1/orgs/${other.id}`, { token: key.secret })).status).toBe(404);
    expect((await call(A(), "GET", "/v1/orgs", { token: key.secret })).status).toBe(403);
    expect(await handshakeError(A().url, other.id, key.secret)).toBe("forbidden");
  });

  it("revocation: 401 at once, and the key's socket on the other node gets api_key_revoked", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const key = await createKey(org.id, owner.token, { role: "viewer" });
    const socket = record(B().url, org.id, key.secret);
    expect((await socket.ready).role).toBe("viewer");
    const res = await call(A(), "DELETE", `/v1/orgs/${org.id}/api-keys/${key.apiKey.id}`, { token: owner.token });
    expect(res.status).toBe(204);
    expect((await call(B(), "GET", `/v1/orgs/${org.id}`, { token: key.secret })).status).toBe(401);
    expect(await socket.revoked).toEqual({ orgId: org.id, reason: "api_key_revoked" });
    expect(await socket.disconnected).toBe("io server disconnect");
    expect(await handshakeError(B().url, org.id, key.secret)).toBe("unauthenticated");
    expect(
      (await call(A(), "DELETE", `/v1/orgs/${org.id}/api-keys/${key.apiKey.id}`, { token: owner.token })).status,
    ).toBe(404);
  });

  it("revokes a member's keys when they are removed, in the same transaction", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const bob = await signup(A(), "bob");
    await addMember(A().db, org.id, bob.user.id, "owner");
    const key = await createKey(org.id, bob.token);
    const keySocket = record(B().url, org.id, key.secret);
    await keySocket.ready;
    await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token });
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/members`, { token: key.secret })).status).toBe(401);
    expect((await keySocket.revoked).reason).toBe("api_key_revoked");
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    const tail = events.body.items.slice(-2).map((e: { type: string; data: unknown }) => [e.type, e.data]);
    expect(tail).toEqual([
      ["member.removed", { userId: bob.user.id, reason: "removed" }],
      ["api_key.revoked", { name: "ci", reason: "creator_removed" }],
    ]);
  });

  it("refuses an expired key, and disconnects its live socket when it expires", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const key = await createKey(org.id, owner.token, { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    const socket = record(B().url, org.id, key.secret);
    await socket.ready;
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: key.secret })).status).toBe(200);
    expect((await socket.revoked).reason).toBe("api_key_revoked");
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: key.secret })).status).toBe(401);
    await sleep(100);
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    const revoked = events.body.items.filter((e: { type: string }) => e.type === "api_key.revoked");
    expect(revoked).toHaveLength(1); // two nodes sweep; one writes
    expect(revoked[0].actor).toEqual({ type: "system", id: "api-key-expiry" });
    const past = await call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, {
      token: owner.token,
      body: { name: "old", role: "viewer", expiresAt: "2020-01-01T00:00:00Z" },
    });
    expect(past.status).toBe(400);
  });

  it("audit keys see context and hash on the socket; plain keys never do", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const auditKey = await createKey(org.id, owner.token, { role: "viewer", audit: true });
    const plainOwnerKey = await createKey(org.id, owner.token, { role: "owner" });
    const audit = record(B().url, org.id, auditKey.secret);
    const plain = record(B().url, org.id, plainOwnerKey.secret);
    await Promise.all([audit.ready, plain.ready]);
    await call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, {
      token: owner.token,
      body: { name: "third", role: "viewer" },
    });
    await Promise.all([audit.waitForSeq(4), plain.waitForSeq(4)]);
    expect(audit.events[0]).toMatchObject({
      type: "api_key.created",
      hash: expect.any(String),
      context: expect.any(Object),
    });
    expect(plain.events[0]?.type).toBe("api_key.created"); // owner-only type, owner-role key
    expect(plain.events[0]).not.toHaveProperty("hash");
    expect(plain.events[0]).not.toHaveProperty("context");
    audit.close();
    plain.close();
  });

  it("an audit key's sockets leave the audit room when its creator is demoted, on the other node, and return", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const creator = await signup(A(), "creator");
    await addMember(A().db, org.id, creator.user.id, "owner");
    const key = await createKey(org.id, creator.token, { role: "owner", audit: true });
    const onB = record(B().url, org.id, key.secret);
    const onA = record(A().url, org.id, key.secret);
    await Promise.all([onB.ready, onA.ready]);
    const rename = (name: string) => call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name } });
    const seqOf = async (res: Promise<unknown>) => {
      await res;
      const events = await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=500`, { token: owner.token });
      return Math.max(...events.body.items.map((e: { seq: number }) => e.seq));
    };
    const before = await seqOf(rename("audited"));
    const demotion = await seqOf(
      call(A(), "PATCH", `/v1/orgs/${org.id}/members/${creator.user.id}`, {
        token: owner.token,
        body: { role: "editor" },
      }),
    );
    const after = await seqOf(rename("not audited"));
    const ownerOnly = await seqOf(
      call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, { token: owner.token, body: { name: "x", role: "viewer" } }),
    );
    const promoted = await seqOf(
      call(A(), "PATCH", `/v1/orgs/${org.id}/members/${creator.user.id}`, {
        token: owner.token,
        body: { role: "owner" },
      }),
    );
    const again = await seqOf(rename("audited again"));
    for (const s of [onA, onB]) {
      await s.waitForSeq(again);
      const bySeq = new Map(s.events.map((e) => [e.seq, e]));
      expect(bySeq.get(before)).toHaveProperty("context");
      expect(bySeq.get(demotion)?.type).toBe("member.role_changed");
      expect(bySeq.get(after)).toBeDefined();
      expect(bySeq.get(after)).not.toHaveProperty("context");
      expect(bySeq.get(after)).not.toHaveProperty("hash");
      expect(bySeq.has(ownerOnly)).toBe(false); // api_key.created is owner-only; the key is an editor now
      expect(bySeq.get(promoted)).toHaveProperty("context");
      expect(bySeq.get(again)).toHaveProperty("hash");
      s.close();
    }
  });

  it("leaves the keys of a deleted org out of the expiry sweep", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const key = await createKey(org.id, owner.token, { expiresAt: new Date(Date.now() + 300).toISOString() });
    expect((await call(A(), "DELETE", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(204);
    await sleep(400);
    const due = await expiredUnrevokedKeys(A().db, 1_000);
    expect(due.map((k) => k.id)).not.toContain(key.apiKey.id);
  });
});
