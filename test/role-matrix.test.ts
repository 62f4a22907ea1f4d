/**
 * Security regression: pins CONTRACT.md §2's role matrix. Every org-scoped route is called by an
 * owner, editor, viewer, guest and a non-member; each answer is checked against the table. A
 * non-member gets 404 (an org you cannot see does not exist), a member without the right 403.
 */
import { describe, expect, it } from "vitest";
import { addMember, call, orgWithRoles, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;

type Who = "owner" | "editor" | "viewer" | "guest" | "outsider";
/** Callers in this order: the owner last, so destructive calls it may make come after the refusals. */
const CALLERS: Who[] = ["outsider", "guest", "viewer", "editor", "owner"];

interface Row {
  route: string;
  method: string;
  /** Built per org: path and body; `target` is a member (viewer) other than the caller. */
  path: (orgId: string, targetId: string) => string;
  body?: unknown;
  expect: Record<Who, number>;
}

const ownerOnly = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, guest: 403, outsider: 404 });
const members = (ok: number) => ({ owner: ok, editor: ok, viewer: ok, guest: ok, outsider: 404 });
const notGuests = (ok: number) => ({ owner: ok, editor: ok, viewer: ok, guest: 403, outsider: 404 });

const ISSUE_2_ROUTES: Row[] = [
  { route: "GET org", method: "GET", path: (o) => `/v1/orgs/${o}`, expect: members(200) },
  { route: "PATCH org", method: "PATCH", path: (o) => `/v1/orgs/${o}`, body: { name: "New" }, expect: ownerOnly(200) },
  { route: "GET members", method: "GET", path: (o) => `/v1/orgs/${o}/members`, expect: notGuests(200) },
  {
    route: "PATCH member",
    method: "PATCH",
    path: (o, t) => `/v1/orgs/${o}/members/${t}`,
    body: { role: "editor" },
    expect: ownerOnly(200),
  },
  { route: "DELETE member", method: "DELETE", path: (o, t) => `/v1/orgs/${o}/members/${t}`, expect: ownerOnly(204) },
  { route: "GET events", method: "GET", path: (o) => `/v1/orgs/${o}/events`, expect: members(200) },
  { route: "DELETE org", method: "DELETE", path: (o) => `/v1/orgs/${o}`, expect: ownerOnly(204) },
];

describe("role matrix", () => {
  for (const row of ISSUE_2_ROUTES) {
    it(`${row.route}`, async () => {
      const { org, users } = await orgWithRoles(node(), node().db);
      const target = await signup(node(), "target");
      await addMember(node().db, org.id, target.user.id, "viewer");
      for (const who of CALLERS) {
        const res = await call(node(), row.method, row.path(org.id, target.user.id), {
          token: users[who].token,
          body: row.body,
        });
        expect(res.status, `${row.route} as ${who}: ${JSON.stringify(res.body)}`).toBe(row.expect[who]);
        if (res.status >= 400) expect(res.body.error.code).toBe(res.status === 404 ? "not_found" : "forbidden");
      }
    });
  }

  it("shows guests the org's name and their role only", async () => {
    const { org, users } = await orgWithRoles(node(), node().db);
    const asGuest = await call(node(), "GET", `/v1/orgs/${org.id}`, { token: users.guest.token });
    expect(asGuest.body).toEqual({ id: org.id, name: org.name, role: "guest" });
    const asViewer = await call(node(), "GET", `/v1/orgs/${org.id}`, { token: users.viewer.token });
    expect(Object.keys(asViewer.body).sort()).toEqual(["createdAt", "id", "name", "role", "settings"]);
  });

  it("lets every member leave, owners included when another owner remains", async () => {
    const { org, users } = await orgWithRoles(node(), node().db);
    const second = await signup(node(), "second-owner");
    await addMember(node().db, org.id, second.user.id, "owner");
    for (const who of ["guest", "viewer", "editor", "owner"] as const) {
      const res = await call(node(), "DELETE", `/v1/orgs/${org.id}/members/${users[who].user.id}`, {
        token: users[who].token,
      });
      expect(res.status, who).toBe(204);
    }
  });

  it("answers 401 before anything else, on every route", async () => {
    const { org, users } = await orgWithRoles(node(), node().db);
    for (const row of ISSUE_2_ROUTES) {
      const res = await call(node(), row.method, row.path(org.id, users.viewer.user.id), { body: row.body });
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
