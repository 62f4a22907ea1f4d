/**
 * Invitations end to end, on two nodes with a real SMTP server: the mail and its link, single-use
 * acceptance by the invited address only, expiry, revocation, resend, allowed domains, guests'
 * project grants, conflicts, the per-org rate limit and bad input (mail delivery itself: invitation-mail.test.ts).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken } from "../server/auth/tokens.js";
import { setExpiry } from "../server/invitations/invitations.repository.js";
import { deleteProject, insertProject, projectIdsOf } from "../server/projects/projects.repository.js";
import { addMember, call, signup } from "./support/api.js";
import { useInvitationCluster } from "./support/invitations.js";
import { unfoldQuotedPrintable } from "./support/smtp.js";
import { record } from "./support/sockets.js";

const { smtp, A, B, tokenMailedTo, invite, ownerWithOrg, events, eventOfType } = await useInvitationCluster();

describe("invitations", () => {
  it("mails a link; the invitee reads and accepts it once; the owner's socket on the other node sees them join", async () => {
    const { owner, org } = await ownerWithOrg();
    const socket = record(B().url, org.id, owner.token);
    await socket.ready;
    const invitee = await signup(A(), "invitee");
    const before = smtp.mails.length;
    const res = await call(A(), "POST", `/v1/orgs/${org.id}/invitations`, {
      token: owner.token,
      body: { email: invitee.email.toUpperCase(), role: "editor" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: invitee.email, role: "editor", projects: [], invitedBy: owner.user.id });
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(7 * 24 * 3600 * 1000);

    // The mail went through SMTP with the URL's credentials; the link is PUBLIC_URL/invite/<token>.
    const mail = await smtp.waitFor((m) => m.to.includes(invitee.email) && smtp.mails.indexOf(m) >= before);
    expect(mail.user).toBe("orgwire");
    expect(unfoldQuotedPrintable(mail.raw)).toContain(org.name);
    const token = await tokenMailedTo(invitee.email, before);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await A()
      .db.selectFrom("invitations")
      .selectAll()
      .where("id", "=", res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token));
    expect(Object.values(row).map(String)).not.toContain(token);

    const preview = await call(B(), "GET", `/v1/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      orgId: org.id,
      orgName: org.name,
      email: invitee.email,
      role: "editor",
      expiresAt: res.body.expiresAt,
    });
    const list = await call(A(), "GET", `/v1/orgs/${org.id}/invitations`, { token: owner.token });
    expect(list.body).toEqual({ items: [res.body], nextCursor: null });

    expect((await call(A(), "POST", `/v1/invitations/${token}/accept`)).status).toBe(401);
    const accepted = await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ orgId: org.id, role: "editor" });
    const joined = await eventOfType(socket, "member.joined");
    expect(joined).toMatchObject({
      target: { type: "user", id: invitee.user.id },
      data: { userId: invitee.user.id, email: invitee.email, role: "editor" },
    });
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: invitee.token })).body.role).toBe("editor");

    // Single use.
    const again = await call(B(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token });
    expect([again.status, again.body.error.code]).toEqual([410, "gone"]);
    expect((await call(B(), "GET", `/v1/invitations/${token}`)).status).toBe(410);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/invitations`, { token: owner.token })).body.items).toEqual([]);

    const log = await events(org.id, owner.token);
    const invited = log.find((e) => e.type === "member.invited");
    expect(invited).toMatchObject({
      target: { type: "invitation", id: res.body.id },
      data: { invitationId: res.body.id, email: invitee.email, role: "editor" },
    });
    expect(log.map((e) => e.type).slice(-2)).toEqual(["member.invited", "member.joined"]);
    socket.close();
  });

  it("is accepted only by the invited address (403 for another), and only once under concurrent accepts", async () => {
    const { owner, org } = await ownerWithOrg();
    const invitee = await signup(A(), "invitee");
    const other = await signup(A(), "other");
    const { token } = await invite(org.id, owner, { email: invitee.email, role: "viewer" });
    const wrong = await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: other.token });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, "forbidden"]);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: other.token })).status).toBe(404);
    const [first, second] = await Promise.all([
      call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token }),
      call(B(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 410]);
    const joins = (await events(org.id, owner.token)).filter((e) => e.type === "member.joined");
    expect(joins).toHaveLength(1);
  });

  it("an expired token is 410 on read and accept; resending it gives a fresh link", async () => {
    const { owner, org } = await ownerWithOrg();
    const invitee = await signup(A(), "invitee");
    const { invitation, token } = await invite(org.id, owner, { email: invitee.email, role: "viewer" });
    await setExpiry(A().db, invitation.id, new Date(Date.now() - 1000));
    expect((await call(A(), "GET", `/v1/invitations/${token}`)).status).toBe(410);
    const res = await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token });
    expect([res.status, res.body.error.code]).toEqual([410, "gone"]);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/invitations`, { token: owner.token })).body.items).toEqual([]);

    const before = smtp.mails.length;
    const resent = await call(A(), "POST", `/v1/orgs/${org.id}/invitations/${invitation.id}/resend`, {
      token: owner.token,
    });
    expect(resent.status).toBe(200);
    expect(Date.parse(resent.body.expiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
    const fresh = await tokenMailedTo(invitee.email, before);
    expect((await call(A(), "POST", `/v1/invitations/${fresh}/accept`, { token: invitee.token })).status).toBe(200);
  });

  it("revoked: its token is 404 on read and accept, it leaves the list, and revoking again is 404", async () => {
    const { owner, org } = await ownerWithOrg();
    const invitee = await signup(A(), "invitee");
    const { invitation, token } = await invite(org.id, owner, { email: invitee.email, role: "viewer" });
    const path = `/v1/orgs/${org.id}/invitations/${invitation.id}`;
    expect((await call(A(), "DELETE", path, { token: owner.token })).status).toBe(204);
    expect((await call(A(), "GET", `/v1/invitations/${token}`)).status).toBe(404);
    expect((await call(B(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token })).status).toBe(404);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/invitations`, { token: owner.token })).body.items).toEqual([]);
    expect((await call(A(), "DELETE", path, { token: owner.token })).status).toBe(404);
    expect((await call(A(), "POST", `${path}/resend`, { token: owner.token })).status).toBe(404);
    const revoked = (await events(org.id, owner.token)).at(-1);
    expect(revoked).toMatchObject({
      type: "invitation.revoked",
      target: { type: "invitation", id: invitation.id },
      data: { invitationId: invitation.id, email: invitee.email },
    });
    // Now the address may be invited again.
    expect((await invite(org.id, owner, { email: invitee.email, role: "viewer" })).invitation.id).not.toBe(
      invitation.id,
    );
  });

  it("resend: a new link and expiry, the old link dead (404); an accepted one cannot be resent", async () => {
    const { owner, org } = await ownerWithOrg();
    const invitee = await signup(A(), "invitee");
    const { invitation, token: old } = await invite(org.id, owner, { email: invitee.email, role: "editor" });
    const before = smtp.mails.length;
    const resent = await call(B(), "POST", `/v1/orgs/${org.id}/invitations/${invitation.id}/resend`, {
      token: owner.token,
    });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: invitation.id, email: invitee.email, role: "editor" });
    const fresh = await tokenMailedTo(invitee.email, before);
    expect(fresh).not.toBe(old);
    expect((await call(A(), "GET", `/v1/invitations/${old}`)).status).toBe(404);
    expect((await call(A(), "POST", `/v1/invitations/${old}/accept`, { token: invitee.token })).status).toBe(404);
    expect((await call(A(), "GET", `/v1/invitations/${fresh}`)).status).toBe(200);
    const last = (await events(org.id, owner.token)).at(-1);
    expect(last).toMatchObject({
      type: "invitation.resent",
      data: { invitationId: invitation.id, email: invitee.email },
    });
    expect((await call(A(), "POST", `/v1/invitations/${fresh}/accept`, { token: invitee.token })).status).toBe(200);
    const path = `/v1/orgs/${org.id}/invitations/${invitation.id}`;
    expect((await call(A(), "POST", `${path}/resend`, { token: owner.token })).status).toBe(404);
    expect((await call(A(), "DELETE", path, { token: owner.token })).status).toBe(404);
  });

  it("allowedEmailDomains: exact, case-insensitive, checked at invite and again at accept", async () => {
    const { owner, org } = await ownerWithOrg();
    const setDomains = (allowedEmailDomains: string[]) =>
      call(A(), "PATCH", `/v1/orgs/${org.id}`, {
        token: owner.token,
        body: { settings: { authentication: { allowedEmailDomains } } },
      });
    const invitee = await signup(A(), "invitee"); // @example.com
    const { token } = await invite(org.id, owner, { email: invitee.email, role: "viewer" });

    expect((await setDomains(["EXAMPLE.com"])).status).toBe(200);
    const refusals = [
      `x-${randomUUID()}@other.org`,
      `x-${randomUUID()}@sub.example.com`,
      `x-${randomUUID()}@example.co`,
    ];
    for (const email of refusals) {
      const res = await call(A(), "POST", `/v1/orgs/${org.id}/invitations`, {
        token: owner.token,
        body: { email, role: "viewer" },
      });
      expect([res.status, res.body.error.code], email).toEqual([403, "domain_not_allowed"]);
    }
    await invite(org.id, owner, { email: `Someone-${randomUUID()}@Example.COM`, role: "viewer" });

    expect((await setDomains(["acme.io"])).status).toBe(200);
    const refused = await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token });
    expect([refused.status, refused.body.error.code]).toEqual([403, "domain_not_allowed"]);
    expect((await setDomains([])).status).toBe(200); // [] means no restriction
    expect((await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token })).status).toBe(200);
  });

  it("guests: need a project of the org, get the grants that still exist, and see only their part of the log", async () => {
    const { owner, org } = await ownerWithOrg();
    const [p1, p2, p3] = await Promise.all(
      ["One", "Two", "Three"].map((name) => insertProject(A().db, { id: randomUUID(), orgId: org.id, name })),
    );
    const guest = await signup(A(), "guest");
    const post = (body: unknown) => call(A(), "POST", `/v1/orgs/${org.id}/invitations`, { token: owner.token, body });
    expect((await post({ email: guest.email, role: "guest" })).status).toBe(400);
    expect((await post({ email: guest.email, role: "guest", projects: [] })).status).toBe(400);
    const unknownId = randomUUID();
    const unknown = await post({
      email: guest.email,
      role: "guest",
      projects: [{ projectId: unknownId, role: "viewer" }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual({ unknownProjectIds: [unknownId] });

    const grant = [{ projectId: p1!.id.toUpperCase(), role: "viewer" }];
    const { invitation, token } = await invite(org.id, owner, { email: guest.email, role: "guest", projects: grant });
    expect(invitation.projects).toEqual([{ projectId: p1!.id, role: "viewer" }]);
    // Another guest on two other projects, one of which is deleted before they accept.
    const guest2 = await signup(A(), "guest2");
    const second = await invite(org.id, owner, {
      email: guest2.email,
      role: "guest",
      projects: [
        { projectId: p2!.id, role: "editor" },
        { projectId: p3!.id, role: "viewer" },
      ],
    });
    await deleteProject(A().db, p3!.id);

    expect((await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: guest.token })).body.role).toBe(
      "guest",
    );
    expect((await call(A(), "POST", `/v1/invitations/${second.token}/accept`, { token: guest2.token })).status).toBe(
      200,
    );
    expect(await projectIdsOf(A().db, org.id, guest.user.id)).toEqual([p1!.id]);
    expect(await projectIdsOf(A().db, org.id, guest2.user.id)).toEqual([p2!.id]);

    const all = await events(org.id, owner.token);
    const tail = all.slice(-4).map((e) => [e.type, e.projectId, e.target, e.data]);
    expect(tail).toEqual([
      [
        "member.joined",
        null,
        { type: "user", id: guest.user.id },
        { userId: guest.user.id, email: guest.email, role: "guest" },
      ],
      ["project.member_added", p1!.id, { type: "user", id: guest.user.id }, { userId: guest.user.id, role: "viewer" }],
      [
        "member.joined",
        null,
        { type: "user", id: guest2.user.id },
        { userId: guest2.user.id, email: guest2.email, role: "guest" },
      ],
      [
        "project.member_added",
        p2!.id,
        { type: "user", id: guest2.user.id },
        { userId: guest2.user.id, role: "editor" },
      ],
    ]);
    expect(all.find((e) => e.type === "member.invited" && e.target.id === invitation.id)?.data).toMatchObject({
      projects: [{ projectId: p1!.id, role: "viewer" }],
    });

    const seen = await events(org.id, guest.token);
    expect(seen.map((e) => e.type)).toEqual(["member.joined", "project.member_added"]);
    for (const e of seen) {
      const aboutGuest = e.target.id === guest.user.id || (e.data as { userId?: string }).userId === guest.user.id;
      expect(aboutGuest || e.projectId === p1!.id, JSON.stringify(e)).toBe(true);
    }
  });

  it("already_member (409) at invite and at accept; a pending duplicate is 409 conflict", async () => {
    const { owner, org } = await ownerWithOrg();
    const member = await signup(A(), "member");
    await addMember(A().db, org.id, member.user.id, "viewer");
    const post = (email: string) =>
      call(A(), "POST", `/v1/orgs/${org.id}/invitations`, { token: owner.token, body: { email, role: "editor" } });
    for (const email of [member.email, owner.email]) {
      const res = await post(email);
      expect([res.status, res.body.error.code]).toEqual([409, "already_member"]);
    }

    const later = await signup(A(), "later");
    const { token } = await invite(org.id, owner, { email: later.email, role: "viewer" });
    const dup = await post(later.email);
    expect([dup.status, dup.body.error.code]).toEqual([409, "conflict"]);
    await addMember(A().db, org.id, later.user.id, "viewer");
    const res = await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: later.token });
    expect([res.status, res.body.error.code]).toEqual([409, "already_member"]);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: later.token })).body.role).toBe("viewer");
  });

  it("owner invitations are allowed; the routes are the owner's (editor 403, outsider 404, no token 401)", async () => {
    const { owner, org } = await ownerWithOrg();
    const coOwner = await signup(A(), "co-owner");
    const { invitation, token } = await invite(org.id, owner, { email: coOwner.email, role: "owner" });
    const editor = await signup(A(), "editor");
    await addMember(A().db, org.id, editor.user.id, "editor");
    const outsider = await signup(A(), "outsider");
    const base = `/v1/orgs/${org.id}/invitations`;
    const routes: [string, string, unknown?][] = [
      ["POST", base, { email: `n-${randomUUID()}@example.com`, role: "viewer" }],
      ["GET", base],
      ["DELETE", `${base}/${invitation.id}`],
      ["POST", `${base}/${invitation.id}/resend`],
    ];
    for (const [method, path, body] of routes) {
      expect((await call(A(), method, path, { body })).status, `${method} ${path}`).toBe(401);
      expect((await call(A(), method, path, { token: editor.token, body })).status, `${method} ${path}`).toBe(403);
      expect((await call(A(), method, path, { token: outsider.token, body })).status, `${method} ${path}`).toBe(404);
    }
    expect((await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: coOwner.token })).body).toEqual({
      orgId: org.id,
      role: "owner",
    });
  });
});
