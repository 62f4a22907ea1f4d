/**
 * Invitations end to end, on two nodes with a real SMTP server: the mail and its link, single-use
 * acceptance by the invited address only, expiry, revocation, resend, allowed domains, guests'
 * project grants, conflicts, the per-org rate limit and bad input (mail delivery itself: invitation-mail.test.ts).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { countInvitations } from "../server/invitations/invitations.repository.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { INVITE_PUBLIC_URL, INVITES_PER_HOUR, invitationHelpers, useInvitationCluster } from "./support/invitations.js";
import { startTestNode } from "./support/nodes.js";
import { REDIS_URL } from "./support/services.js";

const PUBLIC_URL = INVITE_PUBLIC_URL;
const PER_HOUR = INVITES_PER_HOUR;
const { smtp, cluster, A, B, invite, ownerWithOrg, events } = await useInvitationCluster();

describe("invitations: limits, bad input, deleted orgs, the document", () => {
  it(`rate limit: past ${PER_HOUR} invitation mails per org per hour, 429 rate_limited with Retry-After`, async () => {
    const { owner, org } = await ownerWithOrg();
    const { invitation } = await invite(org.id, owner, { email: `r-${randomUUID()}@example.com`, role: "viewer" });
    const resend = () =>
      call(A(), "POST", `/v1/orgs/${org.id}/invitations/${invitation.id}/resend`, { token: owner.token });
    expect((await resend()).status).toBe(200); // resends count too
    for (let i = 2; i < PER_HOUR; i++)
      await invite(org.id, owner, { email: `r-${randomUUID()}@example.com`, role: "viewer" });
    const refused = await call(B(), "POST", `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: `r-${randomUUID()}@example.com`, role: "viewer" },
    });
    expect([refused.status, refused.body.error.code]).toEqual([429, "rate_limited"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await resend()).status).toBe(429);
    // Other orgs have their own budget.
    const other = await ownerWithOrg();
    await invite(other.org.id, other.owner, { email: `r-${randomUUID()}@example.com`, role: "viewer" });
  });

  it("per-user rate limit: over all the user's orgs (their API keys included), though no org reaches its own", async () => {
    const PER_USER = 4; // below PER_HOUR per org: only the user's budget can refuse here
    const node = await startTestNode({
      DATABASE_URL: cluster.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: cluster.redisPrefix,
      NODE_ID: "per-user-limit",
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      INVITATIONS_PER_ORG_PER_HOUR: String(PER_HOUR),
      INVITATIONS_PER_USER_PER_HOUR: String(PER_USER),
    });
    try {
      const { invite } = invitationHelpers(smtp, () => node, PUBLIC_URL);
      const owner = await signup(node, "spammer");
      const orgs = [];
      for (let i = 0; i < 3; i++) orgs.push(await createOrg(node, owner.token, `Spam ${i}`));
      const [o1, o2, o3] = orgs.map((o) => o.id) as [string, string, string];
      const key = await call(node, "POST", `/v1/orgs/${o3}/api-keys`, {
        token: owner.token,
        body: { name: "k", role: "owner" },
      });
      const viaKey = { ...owner, token: key.body.secret as string };
      const email = () => `u-${randomUUID()}@example.com`;
      const { invitation } = await invite(o1, owner, { email: email(), role: "viewer" });
      await invite(o1, owner, { email: email(), role: "viewer" });
      await invite(o2, owner, { email: email(), role: "viewer" });
      await invite(o3, viaKey, { email: email(), role: "viewer" }); // counts for the key's creator

      const refused = await call(node, "POST", `/v1/orgs/${o2}/invitations`, {
        token: owner.token,
        body: { email: email(), role: "viewer" },
      });
      expect([refused.status, refused.body.error.code]).toEqual([429, "rate_limited"]);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      const byKey = await call(node, "POST", `/v1/orgs/${o3}/invitations`, {
        token: viaKey.token,
        body: { email: email(), role: "viewer" },
      });
      expect(byKey.status).toBe(429);
      const resend = await call(node, "POST", `/v1/orgs/${o1}/invitations/${invitation.id}/resend`, {
        token: owner.token,
      });
      expect(resend.status).toBe(429);
      expect(await countInvitations(node.db, o2)).toBe(1);

      // Another owner of the same org has a budget of their own.
      const coOwner = await signup(node, "co-owner");
      await addMember(node.db, o2, coOwner.user.id, "owner");
      await invite(o2, coOwner, { email: email(), role: "viewer" });
    } finally {
      await node.close();
    }
  });

  it("bad input: a 4xx envelope on every route, and nothing written", async () => {
    const { owner, org } = await ownerWithOrg();
    const { invitation, token } = await invite(org.id, owner, {
      email: `b-${randomUUID()}@example.com`,
      role: "viewer",
    });
    const invitee = await signup(A(), "invitee");
    const snapshot = async () => ({
      invitations: await countInvitations(A().db, org.id),
      events: (await events(org.id, owner.token)).length,
      mails: smtp.mails.length,
    });
    const before = await snapshot();
    const base = `/v1/orgs/${org.id}/invitations`;
    const email = `c-${randomUUID()}@example.com`;
    const bodies: unknown[] = [
      {},
      { email },
      { email: "not an email", role: "viewer" },
      { email, role: "admin" },
      { email: 12345, role: 12345 },
      { email: `nul\u0000${email}`, role: "viewer" },
      { email, role: "viewer", admin: true },
      { email, role: "viewer", projects: "all" },
      { email, role: "viewer", projects: [{ projectId: "not-a-uuid", role: "viewer" }] },
      { email, role: "viewer", projects: [{ projectId: randomUUID(), role: "owner" }] },
      { email, role: "guest", projects: [] },
      { email: `${"x".repeat(400)}@example.com`, role: "viewer" },
    ];
    const probes: { method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string> }[] = [
      ...bodies.map((body) => ({ method: "POST", path: base, body })),
      { method: "POST", path: base, raw: '{"email": "unterminated' },
      { method: "POST", path: base, raw: "null", headers: { "content-type": "application/json" } },
      {
        method: "POST",
        path: base,
        raw: JSON.stringify({ email, role: "viewer" }),
        headers: { "content-type": "text/plain" },
      },
      { method: "POST", path: "/v1/orgs/not-a-uuid/invitations", body: { email, role: "viewer" } },
      { method: "GET", path: `${base}?limit=0` },
      { method: "GET", path: `${base}?limit=501` },
      { method: "GET", path: `${base}?cursor=garbage` },
      { method: "DELETE", path: `${base}/not-a-uuid` },
      { method: "DELETE", path: `${base}/${randomUUID()}` },
      { method: "POST", path: `${base}/not-a-uuid/resend` },
      { method: "POST", path: `${base}/${randomUUID()}/resend` },
      { method: "DELETE", path: `/v1/orgs/${randomUUID()}/invitations/${invitation.id}` },
      { method: "GET", path: "/v1/invitations/short" },
      { method: "GET", path: `/v1/invitations/${"x".repeat(200)}` },
      { method: "GET", path: `/v1/invitations/${token.slice(0, 40)}%20abc` },
      { method: "GET", path: `/v1/invitations/${"A".repeat(43)}` },
      { method: "POST", path: `/v1/invitations/${token.slice(0, 10)}/accept` },
      { method: "POST", path: `/v1/invitations/${token}.x/accept` },
      { method: "POST", path: `/v1/invitations/${"A".repeat(43)}/accept` },
    ];
    for (const probe of probes) {
      const { method, path, ...options } = probe;
      const res = await call(A(), method, path, {
        token: path.includes("/accept") ? invitee.token : owner.token,
        ...options,
      });
      const label = `${method} ${path} ${JSON.stringify(probe.body ?? probe.raw)?.slice(0, 80)}`;
      expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      expect(typeof res.body?.error?.code, label).toBe("string");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("a deleted org's invitation is 404", async () => {
    const { owner, org } = await ownerWithOrg();
    const invitee = await signup(A(), "invitee");
    const { token } = await invite(org.id, owner, { email: invitee.email, role: "viewer" });
    expect((await call(A(), "DELETE", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(A(), "GET", `/v1/invitations/${token}`)).status).toBe(404);
    expect((await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token })).status).toBe(404);
  });

  it("every route is in /openapi.json", async () => {
    const doc = (await call(A(), "GET", "/openapi.json")).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/orgs/{orgId}/invitations",
        "/v1/orgs/{orgId}/invitations/{invitationId}",
        "/v1/orgs/{orgId}/invitations/{invitationId}/resend",
        "/v1/invitations/{token}",
        "/v1/invitations/{token}/accept",
      ]),
    );
  });
});
