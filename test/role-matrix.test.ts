/**
 * Security regression: pins the role matrix of docs/access.md. Every org-scoped route is called by an
 * owner, editor, viewer, a viewer who is a project editor, guests (project editor, project viewer,
 * not on the project) and a non-member, each against a fresh project, resource, member and
 * invitation, so that no call depends on another. A thing the caller cannot see is 404 (the org
 * for a non-member, the project for a guest who is not on it); a visible thing without the right
 * is 403.
 */
import { describe, expect, it } from "vitest";
import type { OrgEvent } from "../client-sdk/src/contract/index.js";
import { addMember, call, signup, type TestUser } from "./support/api.js";
import { buildFixture, CALLERS, type Caller, ROWS, setupCallers } from "./support/role-matrix.js";
import { record } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;

const setup = () => setupCallers(node);
const fixture = (users: Record<Caller, TestUser>) => buildFixture(node, users);

describe("role matrix", () => {
  for (const row of ROWS) {
    it(row.route, async () => {
      const users = await setup();
      for (const who of CALLERS) {
        const f = await fixture(users);
        const res = await call(node(), row.method, row.path(f), { token: users[who].token, body: row.body });
        expect(res.status, `${row.route} as ${who}: ${JSON.stringify(res.body)}`).toBe(row.expect[who]);
        if (res.status >= 400) expect(res.body.error.code).toBe(res.status === 404 ? "not_found" : "forbidden");
      }
    });
  }

  it("shows guests the org's name and their role only, and only their projects", async () => {
    const users = await setup();
    const f = await fixture(users);
    const asGuest = await call(node(), "GET", `/v1/orgs/${f.org.id}`, { token: users.guestNone.token });
    expect(Object.keys(asGuest.body).sort()).toEqual(["id", "name", "role"]);
    const asViewer = await call(node(), "GET", `/v1/orgs/${f.org.id}`, { token: users.viewer.token });
    expect(Object.keys(asViewer.body).sort()).toEqual(["createdAt", "id", "name", "role", "settings"]);
    await call(node(), "POST", `/v1/orgs/${f.org.id}/projects`, { token: users.owner.token, body: { name: "Other" } });
    const projectsOf = async (who: Caller) =>
      (await call(node(), "GET", `/v1/orgs/${f.org.id}/projects`, { token: users[who].token })).body.items.map(
        (p: { id: string }) => p.id,
      );
    expect(await projectsOf("guestViewer")).toEqual([f.project]);
    expect(await projectsOf("guestNone")).toEqual([]);
    expect(await projectsOf("viewer")).toHaveLength(2);
  });

  it("lets every member leave, owners included when another owner remains", async () => {
    const users = await setup();
    const f = await fixture(users);
    const secondOwner = await signup(node(), "second-owner");
    await addMember(node().db, f.org.id, secondOwner.user.id, "owner");
    for (const who of ["guestEditor", "viewer", "editor", "owner"] as const) {
      const res = await call(node(), "DELETE", `/v1/orgs/${f.org.id}/members/${users[who].user.id}`, {
        token: users[who].token,
      });
      expect(res.status, who).toBe(204);
    }
  });

  it("an audit key lends audit access only while its creator is an owner (HTTP and socket)", async () => {
    const users = await setup();
    const f = await fixture(users);
    const creator = await signup(node(), "key-creator");
    await addMember(node().db, f.org.id, creator.user.id, "owner");
    const created = await call(node(), "POST", `/v1/orgs/${f.org.id}/api-keys`, {
      token: creator.token,
      body: { name: "siem", role: "owner", audit: true },
    });
    const key = created.body.secret as string;
    const org = `/v1/orgs/${f.org.id}`;
    const auditRoutes = [`${org}/audit-logs`, `${org}/audit-logs/export?format=ndjson`, `${org}/audit-logs/verify`];
    const ownerOnlyOrContext = async () =>
      ((await call(node(), "GET", `${org}/events?limit=500`, { token: key })).body.items as OrgEvent[]).filter(
        (e) => e.type.startsWith("api_key.") || "context" in e || "hash" in e,
      );
    for (const path of auditRoutes) expect((await call(node(), "GET", path, { token: key })).status, path).toBe(200);
    expect((await ownerOnlyOrContext()).length).toBeGreaterThan(0);
    for (const demoted of ["editor", "viewer", "guest"] as const) {
      const res = await call(node(), "PATCH", `${org}/members/${creator.user.id}`, {
        token: users.owner.token,
        body: { role: demoted },
      });
      expect(res.status).toBe(200);
      for (const path of auditRoutes) {
        const refused = await call(node(), "GET", path, { token: key });
        expect(refused.status, `${path} with the creator ${demoted}`).toBe(403);
      }
      expect(await ownerOnlyOrContext(), `events with the creator ${demoted}`).toEqual([]);
      // A socket's replay is authorized the same way: no context, hash or owner-only event.
      const replay = record(node().url, f.org.id, key, { since: 0 });
      await replay.ready;
      expect(replay.events.filter((e) => e.type.startsWith("api_key.") || "context" in e || "hash" in e)).toEqual([]);
      replay.close();
    }
    await call(node(), "PATCH", `${org}/members/${creator.user.id}`, {
      token: users.owner.token,
      body: { role: "owner" },
    });
    for (const path of auditRoutes) expect((await call(node(), "GET", path, { token: key })).status, path).toBe(200);
  });

  it("answers 401 before anything else, on every route", async () => {
    const users = await setup();
    const f = await fixture(users);
    for (const row of ROWS) {
      const res = await call(node(), row.method, row.path(f), { body: row.body });
      expect(res.status, row.route).toBe(401);
    }
    for (const [method, path] of [
      ["GET", "/v1/me"],
      ["POST", "/v1/auth/logout"],
      ["GET", "/v1/orgs"],
      ["POST", "/v1/orgs"],
    ] as const) {
      expect((await call(node(), method, path, { body: method === "POST" ? {} : undefined })).status, path).toBe(401);
    }
  });
});
