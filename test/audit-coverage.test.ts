/**
 * Every mutation route of the API leaves exactly one audit entry of its type (two where the
 * contract says so), with the actor who made it (user or API key), its target and the request's
 * context. Walks the routes in order against one org and checks the log after each call.
 */
import { describe, expect, it } from "vitest";
import { listEventsForView, WHOLE_LOG } from "../server/events/event-log.repository.js";
import { call, signup, type TestUser } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;
const http = () => ({ url: node().url });

describe("audit coverage", () => {
  it("records each mutation once, with its actor, target and context", async () => {
    const owner = await signup(node(), "owner");
    const invitee = await signup(node(), "invitee");
    let orgId = "";
    let seq = 0;
    let n = 0;

    /** Runs one call and checks the entries it added: [type, actor id, target type] each. */
    async function step(
      as: TestUser | { token: string; id: string },
      method: string,
      path: () => string,
      body: unknown,
      expected: [string, string?][],
    ) {
      const requestId = `audit-${++n}`;
      const token = as.token;
      const actorId = "user" in as ? as.user.id : as.id;
      const res = await call(http(), method, path(), {
        token,
        body,
        headers: { "x-request-id": requestId, "user-agent": "cov" },
      });
      expect(res.status, `${method} ${path()}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      if (method === "POST" && path() === "/v1/orgs") orgId = res.body.id;
      const added = await listEventsForView(node().db, orgId, WHOLE_LOG, { since: seq, limit: 100 });
      expect(
        added.map((e) => e.type),
        `${method} ${path()}`,
      ).toEqual(expected.map(([type]) => type));
      for (const [i, e] of added.entries()) {
        expect(e.actor.id, e.type).toBe(actorId);
        expect(e.context, e.type).toMatchObject({ requestId, userAgent: "cov", ip: expect.any(String) });
        if (expected[i]![1]) expect(e.target.type, e.type).toBe(expected[i]![1]);
      }
      seq = added.at(-1)?.seq ?? seq;
      return res.body;
    }

    const org = (p = "") => `/v1/orgs/${orgId}${p}`;
    await step(owner, "POST", () => "/v1/orgs", { name: "Covered" }, [["org.created", "org"]]);
    await step(owner, "PATCH", () => org(), { name: "Covered 2" }, [["org.updated", "org"]]);
    await step(owner, "PUT", () => org("/billing"), { contactEmail: "b@example.com" }, [
      ["billing.updated", "billing"],
    ]);
    const key = await step(owner, "POST", () => org("/api-keys"), { name: "k", role: "editor" }, [
      ["api_key.created", "api_key"],
    ]);
    const asKey = { token: key.secret as string, id: key.apiKey.id as string };
    const project = await step(asKey, "POST", () => org("/projects"), { name: "P" }, [["project.created", "project"]]);
    const P = (p = "") => org(`/projects/${project.id}${p}`);
    await step(asKey, "PATCH", () => P(), { name: "P2" }, [["project.updated", "project"]]);
    const vps = await step(asKey, "POST", () => P("/resources"), { type: "vps", name: "v" }, [
      ["resource.created", "resource"],
    ]);
    await step(asKey, "PATCH", () => P(`/resources/${vps.id}`), { name: "v2" }, [["resource.updated", "resource"]]);
    await step(asKey, "DELETE", () => P(`/resources/${vps.id}`), undefined, [["resource.deleted", "resource"]]);
    await step(owner, "DELETE", () => org(`/api-keys/${asKey.id}`), undefined, [["api_key.revoked", "api_key"]]);

    const first = await step(
      owner,
      "POST",
      () => org("/invitations"),
      { email: "someone@example.com", role: "viewer" },
      [["member.invited", "invitation"]],
    );
    await step(owner, "POST", () => org(`/invitations/${first.id}/resend`), undefined, [
      ["invitation.resent", "invitation"],
    ]);
    await step(owner, "DELETE", () => org(`/invitations/${first.id}`), undefined, [
      ["invitation.revoked", "invitation"],
    ]);
    await step(owner, "POST", () => org("/invitations"), { email: invitee.email, role: "viewer" }, [
      ["member.invited"],
    ]);
    const mailer = node().mailer;
    const link = mailer.kind === "outbox" ? mailer.outbox().findLast((m) => m.to === invitee.email)?.link : undefined;
    const token = link?.split("/invite/")[1] ?? "";
    await step(invitee, "POST", () => `/v1/invitations/${token}/accept`, undefined, [["member.joined", "user"]]);
    await step(owner, "PATCH", () => org(`/members/${invitee.user.id}`), { role: "guest" }, [
      ["member.role_changed", "user"],
    ]);
    await step(owner, "PUT", () => P(`/members/${invitee.user.id}`), { role: "viewer" }, [
      ["project.member_added", "user"],
    ]);
    await step(owner, "PUT", () => P(`/members/${invitee.user.id}`), { role: "editor" }, [
      ["project.member_role_changed", "user"],
    ]);
    await step(owner, "DELETE", () => P(`/members/${invitee.user.id}`), undefined, [
      ["project.member_removed", "user"],
    ]);
    await step(invitee, "DELETE", () => org(`/members/${invitee.user.id}`), undefined, [["member.removed", "user"]]);
    await step(owner, "GET", () => org("/audit-logs/export?format=ndjson"), undefined, [
      ["audit.exported", "audit_log"],
    ]);
    await step(owner, "DELETE", () => P(), undefined, [["project.deleted", "project"]]);
    await step(owner, "DELETE", () => org(), undefined, [["org.deleted", "org"]]);
  });
});
