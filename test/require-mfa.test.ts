/**
 * `settings.authentication.requireMfa`, enforced: members signed in without MFA are stopped on the
 * org's routes (403 `mfa_required`) except reading the org and leaving it; their sockets are
 * refused and, when the requirement is turned on, revoked on every node before the PATCH answers.
 * API keys are not people and are unaffected. Real TOTP codes, two nodes.
 */
import { describe, expect, it } from "vitest";
import type { OrgEvent } from "../client-sdk/src/contract/index.js";
import { addMember, call, createOrg, signup, type TestUser } from "./support/api.js";
import { enrol, TEST_MFA_KEY } from "./support/mfa.js";
import { buildFixture, CALLERS, ROWS, setupCallers } from "./support/role-matrix.js";
import { handshakeError, isStrictlyIncreasing, record } from "./support/sockets.js";
import { liveSocketsOf as liveSocketsOfCluster, useCluster } from "./support/suite.js";

const cluster = useCluster(2, { MFA_ENCRYPTION_KEY: TEST_MFA_KEY });
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

const liveSocketsOf = (orgId: string, userId: string) => liveSocketsOfCluster(cluster, orgId, userId);

const requireMfa = (orgId: string, token: string, on = true) =>
  call(A(), "PATCH", `/v1/orgs/${orgId}`, { token, body: { settings: { authentication: { requireMfa: on } } } });

/** An org whose owner has MFA on. */
async function orgWithMfaOwner() {
  const owner = await signup(A(), "owner");
  await enrol(A(), owner);
  const org = await createOrg(A(), owner.token);
  return { owner, org };
}

const eventsOf = async (orgId: string, token: string, since = 0) =>
  (await call(A(), "GET", `/v1/orgs/${orgId}/events?limit=500&since=${since}`, { token })).body.items as OrgEvent[];

describe("HTTP", () => {
  it("stops a member without MFA on the org's routes, but for reading the org and leaving; not their API key", async () => {
    const { owner, org } = await orgWithMfaOwner();
    const carol = await signup(A(), "carol"); // a second owner, without MFA, with an API key
    const dave = await signup(A(), "dave"); // a viewer without MFA, who will leave
    await addMember(A().db, org.id, carol.user.id, "owner");
    await addMember(A().db, org.id, dave.user.id, "viewer");
    const key = (
      await call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, {
        token: carol.token,
        body: { name: "ci", role: "editor" },
      })
    ).body.secret as string;
    expect((await requireMfa(org.id, owner.token)).status).toBe(200);

    const o = `/v1/orgs/${org.id}`;
    const refused = [
      ["GET", `${o}/members`, undefined],
      ["POST", `${o}/projects`, { name: "P" }],
      ["GET", `${o}/events`, undefined],
    ] as const;
    for (const [method, path, body] of refused) {
      const res = await call(B(), method, path, { token: carol.token, body });
      expect([res.status, res.body.error?.code], `${method} ${path}`).toEqual([403, "mfa_required"]);
    }
    // The org's name and their own role, nothing more: enough for a client to say why.
    const asCarol = await call(B(), "GET", o, { token: carol.token });
    expect(asCarol.status).toBe(200);
    expect(asCarol.body).toEqual({ id: org.id, name: org.name, role: "owner" });
    // The key is not a person: unaffected.
    expect((await call(B(), "GET", `${o}/members`, { token: key })).status).toBe(200);
    expect((await call(B(), "POST", `${o}/projects`, { token: key, body: { name: "By key" } })).status).toBe(201);
    expect((await call(B(), "GET", `${o}/events`, { token: key })).status).toBe(200);
    // Leaving stays open.
    expect((await call(B(), "DELETE", `${o}/members/${dave.user.id}`, { token: dave.token })).status).toBe(204);

    // Once enrolled, at once.
    await enrol(A(), carol);
    for (const [method, path, body] of refused) {
      const res = await call(B(), method, path, { token: carol.token, body });
      expect(res.status, `${method} ${path}`).toBe(method === "POST" ? 201 : 200);
    }
    expect(Object.keys((await call(B(), "GET", o, { token: carol.token })).body)).toContain("settings");
    // Owners see MFA turned on as an event about carol; a viewer would not.
    const changed = (await eventsOf(org.id, owner.token)).filter((e) => e.type === "member.mfa_changed");
    expect(changed.map((e) => [e.actor.id, e.data])).toEqual([
      [carol.user.id, { userId: carol.user.id, enabled: true }],
    ]);
  });

  it("refuses an owner without MFA turning the requirement on (409 mfa_required_for_you), storing nothing", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const res = await requireMfa(org.id, owner.token);
    expect([res.status, res.body.error?.code]).toEqual([409, "mfa_required_for_you"]);
    const after = await call(A(), "GET", `/v1/orgs/${org.id}`, { token: owner.token });
    expect(after.body.settings.authentication?.requireMfa).toBeUndefined();
    expect((await eventsOf(org.id, owner.token)).map((e) => e.type)).toEqual(["org.created"]);
    // Other settings, and turning it off, stay theirs to change.
    expect((await requireMfa(org.id, owner.token, false)).status).toBe(200);
  });
});

describe("live", () => {
  it("turning it on revokes the sockets of members without MFA on both nodes before the PATCH answers", async () => {
    const { owner, org } = await orgWithMfaOwner();
    const bob = await signup(A(), "bob"); // no MFA
    const mia = await signup(A(), "mia");
    await enrol(A(), mia);
    await addMember(A().db, org.id, bob.user.id, "viewer");
    await addMember(A().db, org.id, mia.user.id, "viewer");
    const bobs = [record(A().url, org.id, bob.token), record(B().url, org.id, bob.token)];
    const mias = [record(A().url, org.id, mia.token), record(B().url, org.id, mia.token)];
    const ownerB = record(B().url, org.id, owner.token);
    await Promise.all([...bobs, ...mias, ownerB].map((s) => s.ready));
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Before" } });
    await Promise.all(bobs.map((s) => s.waitForSeq(2)));

    const res = await requireMfa(org.id, owner.token);
    expect(res.status).toBe(200);
    // Acknowledged: both nodes have told bob's sockets and disconnected them.
    expect(liveSocketsOf(org.id, bob.user.id)).toEqual([]);
    expect(liveSocketsOf(org.id, mia.user.id)).toHaveLength(2);
    for (const s of bobs) {
      expect(await s.revoked).toEqual({ orgId: org.id, reason: "mfa_required" });
      expect(await s.disconnected).toBe("io server disconnect");
      expect(s.log.map(([name]) => name)).toEqual(["ready", "event", "revoked", "disconnect"]);
      expect(s.seqs()).toEqual([2]);
    }
    for (const s of mias) {
      await s.waitForSeq(3);
      expect(s.events.at(-1)?.type).toBe("settings.updated");
      expect(s.socket.connected).toBe(true);
    }

    // A new handshake reads current state.
    expect(await handshakeError(B().url, org.id, bob.token)).toBe("mfa_required");
    expect(await handshakeError(A().url, org.id, bob.token)).toBe("mfa_required");

    // After enrolling: in at once, resuming where the revocation cut with no gap.
    await enrol(A(), bob);
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "After" } });
    const resumed = record(B().url, org.id, bob.token, { since: 2 });
    const ready = await resumed.ready;
    const visible = (await eventsOf(org.id, bob.token, 2)).map((e) => e.seq);
    expect(resumed.seqs()).toEqual(visible);
    expect(visible.length).toBeGreaterThanOrEqual(2); // the requirement and the rename at least
    expect(isStrictlyIncreasing(resumed.seqs())).toBe(true);
    expect(ready.seq).toBe(Math.max(...(await eventsOf(org.id, owner.token)).map((e) => e.seq)));
    // Owners saw bob turn MFA on; bob (a viewer) does not see that owner-only event.
    await ownerB.waitForSeq(ready.seq);
    expect(ownerB.events.filter((e) => e.type === "member.mfa_changed").map((e) => e.data)).toEqual([
      { userId: bob.user.id, enabled: true },
    ]);
    expect(resumed.events.map((e) => e.type)).not.toContain("member.mfa_changed");
    for (const s of [resumed, ...mias, ownerB]) s.close();
  });

  it("a member turning MFA off where the org requires it loses their sockets there, on both nodes, before DELETE answers", async () => {
    const { owner, org } = await orgWithMfaOwner();
    const other = await createOrg(A(), owner.token, "No requirement");
    const mia = await signup(A(), "mia");
    const { recoveryCodes } = await enrol(A(), mia);
    await addMember(A().db, org.id, mia.user.id, "editor");
    await addMember(A().db, other.id, mia.user.id, "editor");
    expect((await requireMfa(org.id, owner.token)).status).toBe(200);
    const mias = [record(A().url, org.id, mia.token), record(B().url, org.id, mia.token)];
    const elsewhere = record(B().url, other.id, mia.token);
    const ownerB = record(B().url, org.id, owner.token);
    await Promise.all([...mias, elsewhere, ownerB].map((s) => s.ready));

    const off = await call(B(), "DELETE", "/v1/me/mfa/totp", {
      token: mia.token,
      body: { recoveryCode: recoveryCodes[0] },
    });
    expect(off.status).toBe(204);
    expect(liveSocketsOf(org.id, mia.user.id)).toEqual([]);
    for (const s of mias) expect(await s.revoked).toEqual({ orgId: org.id, reason: "mfa_required" });
    // Where nothing requires MFA, nothing changes.
    expect(elsewhere.socket.connected).toBe(true);
    const change = (await eventsOf(org.id, owner.token)).find((e) => e.type === "member.mfa_changed");
    expect(change?.data).toEqual({ userId: mia.user.id, enabled: false });
    await ownerB.waitForSeq(change?.seq ?? 0);
    expect((await eventsOf(other.id, owner.token)).some((e) => e.type === "member.mfa_changed")).toBe(true);
    const members = await call(A(), "GET", `/v1/orgs/${org.id}/members`, { token: mia.token });
    expect([members.status, members.body.error?.code]).toEqual([403, "mfa_required"]);
    for (const s of [elsewhere, ownerB]) s.close();
  });
});

describe("the role matrix under requireMfa", () => {
  it("every org route answers 403 mfa_required to a member without MFA, but GET org; outsiders still 404", async () => {
    const users = await setupCallers(A);
    const f = await buildFixture(A, users);
    const admin: TestUser = await signup(A(), "admin");
    await enrol(A(), admin);
    await addMember(A().db, f.org.id, admin.user.id, "owner");
    expect((await requireMfa(f.org.id, admin.token)).status).toBe(200);
    // Nobody below gets through (but GET org, which changes nothing), so one fixture serves all.
    for (const row of ROWS) {
      for (const who of CALLERS) {
        const res = await call(A(), row.method, row.path(f), { token: users[who].token, body: row.body });
        const expected =
          who === "outsider" ? [404, "not_found"] : row.route === "GET org" ? [200, undefined] : [403, "mfa_required"];
        expect([res.status, res.body?.error?.code], `${row.route} as ${who}`).toEqual(expected);
      }
    }
    // Leaving is the other way out.
    const leave = await call(A(), "DELETE", `/v1/orgs/${f.org.id}/members/${users.viewer.user.id}`, {
      token: users.viewer.token,
    });
    expect(leave.status).toBe(204);
  });
});
