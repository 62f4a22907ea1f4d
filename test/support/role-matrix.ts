/**
 * The role matrix's route table (docs/access.md), shared by test/role-matrix.test.ts and the
 * require-MFA matrix in test/require-mfa.test.ts: every org-scoped route, who may call it, and a
 * fresh fixture (org, project, resource, member, invitation, API key) to call it against.
 */
import { upsertProjectMember } from "../../server/projects/projects.repository.js";
import { addMember, call, createOrg, signup, type TestUser } from "./api.js";
import type { Cluster } from "./suite.js";

type TestNode = Cluster["nodes"][number];

export const CALLERS = [
  "outsider",
  "guestNone",
  "guestViewer",
  "guestEditor",
  "viewer",
  "viewerProjectEditor",
  "editor",
  "owner",
] as const;
export type Caller = (typeof CALLERS)[number];

export interface Fixture {
  org: { id: string };
  project: string;
  resource: string;
  /** A viewer of the org, for member routes. */
  target: TestUser;
  invitation: string;
  apiKey: string;
}

export interface Row {
  route: string;
  method: string;
  path: (f: Fixture) => string;
  body?: unknown;
  expect: Record<Caller, number>;
}

/** Expected statuses from who may do it: `ok` for them; 404 for who cannot see; 403 for the rest. */
function matrix(ok: number, may: Caller[], sees: Caller[]): Record<Caller, number> {
  return Object.fromEntries(CALLERS.map((c) => [c, may.includes(c) ? ok : sees.includes(c) ? 403 : 404])) as Record<
    Caller,
    number
  >;
}
export const MEMBERS: Caller[] = CALLERS.filter((c) => c !== "outsider");
const ORG_WIDE: Caller[] = ["viewer", "viewerProjectEditor", "editor", "owner"];
const SEES_PROJECT: Caller[] = [...ORG_WIDE, "guestViewer", "guestEditor"];
const WRITES_RESOURCES: Caller[] = ["owner", "editor", "viewerProjectEditor", "guestEditor"];
const owner = (ok: number) => matrix(ok, ["owner"], MEMBERS);
const onProject = (ok: number, may: Caller[]) => matrix(ok, may, SEES_PROJECT);

const P = (f: Fixture) => `/v1/orgs/${f.org.id}/projects/${f.project}`;
const R = (f: Fixture) => `${P(f)}/resources/${f.resource}`;

export const ROWS: Row[] = [
  // organizations and members (foundation issue)
  { route: "GET org", method: "GET", path: (f) => `/v1/orgs/${f.org.id}`, expect: matrix(200, MEMBERS, MEMBERS) },
  {
    route: "PATCH org",
    method: "PATCH",
    path: (f) => `/v1/orgs/${f.org.id}`,
    body: { name: "New" },
    expect: owner(200),
  },
  {
    route: "PATCH org audit retention",
    method: "PATCH",
    path: (f) => `/v1/orgs/${f.org.id}`,
    body: { settings: { auditRetentionDays: 30 } },
    expect: owner(200),
  },
  { route: "DELETE org", method: "DELETE", path: (f) => `/v1/orgs/${f.org.id}`, expect: owner(204) },
  {
    route: "GET members",
    method: "GET",
    path: (f) => `/v1/orgs/${f.org.id}/members`,
    expect: matrix(200, ORG_WIDE, MEMBERS),
  },
  {
    route: "PATCH member",
    method: "PATCH",
    path: (f) => `/v1/orgs/${f.org.id}/members/${f.target.user.id}`,
    body: { role: "editor" },
    expect: owner(200),
  },
  {
    route: "DELETE member",
    method: "DELETE",
    path: (f) => `/v1/orgs/${f.org.id}/members/${f.target.user.id}`,
    expect: owner(204),
  },
  {
    route: "GET events",
    method: "GET",
    path: (f) => `/v1/orgs/${f.org.id}/events`,
    expect: matrix(200, MEMBERS, MEMBERS),
  },
  // billing
  { route: "GET billing", method: "GET", path: (f) => `/v1/orgs/${f.org.id}/billing`, expect: owner(200) },
  {
    route: "PUT billing",
    method: "PUT",
    path: (f) => `/v1/orgs/${f.org.id}/billing`,
    body: { contactEmail: "billing@example.com" },
    expect: owner(200),
  },
  // invitations
  { route: "GET invitations", method: "GET", path: (f) => `/v1/orgs/${f.org.id}/invitations`, expect: owner(200) },
  {
    route: "POST invitation",
    method: "POST",
    path: (f) => `/v1/orgs/${f.org.id}/invitations`,
    body: { email: "someone-new@example.com", role: "viewer" },
    expect: owner(201),
  },
  {
    route: "DELETE invitation",
    method: "DELETE",
    path: (f) => `/v1/orgs/${f.org.id}/invitations/${f.invitation}`,
    expect: owner(204),
  },
  {
    route: "POST invitation resend",
    method: "POST",
    path: (f) => `/v1/orgs/${f.org.id}/invitations/${f.invitation}/resend`,
    expect: owner(200),
  },
  // audit log
  { route: "GET audit-logs", method: "GET", path: (f) => `/v1/orgs/${f.org.id}/audit-logs`, expect: owner(200) },
  {
    route: "GET audit export",
    method: "GET",
    path: (f) => `/v1/orgs/${f.org.id}/audit-logs/export?format=csv`,
    expect: owner(200),
  },
  {
    route: "GET audit verify",
    method: "GET",
    path: (f) => `/v1/orgs/${f.org.id}/audit-logs/verify`,
    expect: owner(200),
  },
  // API keys
  { route: "GET api-keys", method: "GET", path: (f) => `/v1/orgs/${f.org.id}/api-keys`, expect: owner(200) },
  {
    route: "POST api-keys",
    method: "POST",
    path: (f) => `/v1/orgs/${f.org.id}/api-keys`,
    body: { name: "k", role: "viewer" },
    expect: owner(201),
  },
  {
    route: "DELETE api-key",
    method: "DELETE",
    path: (f) => `/v1/orgs/${f.org.id}/api-keys/${f.apiKey}`,
    expect: owner(204),
  },
  // projects
  {
    route: "GET projects",
    method: "GET",
    path: (f) => `/v1/orgs/${f.org.id}/projects`,
    expect: matrix(200, MEMBERS, MEMBERS),
  },
  {
    route: "POST project",
    method: "POST",
    path: (f) => `/v1/orgs/${f.org.id}/projects`,
    body: { name: "P2" },
    expect: matrix(201, ["owner", "editor"], MEMBERS),
  },
  { route: "GET project", method: "GET", path: P, expect: onProject(200, SEES_PROJECT) },
  {
    route: "PATCH project",
    method: "PATCH",
    path: P,
    body: { name: "Renamed" },
    expect: onProject(200, ["owner", "editor"]),
  },
  { route: "DELETE project", method: "DELETE", path: P, expect: onProject(204, ["owner", "editor"]) },
  { route: "GET project members", method: "GET", path: (f) => `${P(f)}/members`, expect: onProject(200, SEES_PROJECT) },
  {
    route: "PUT project member",
    method: "PUT",
    path: (f) => `${P(f)}/members/${f.target.user.id}`,
    body: { role: "editor" },
    expect: onProject(200, ["owner"]),
  },
  {
    route: "DELETE project member",
    method: "DELETE",
    path: (f) => `${P(f)}/members/${f.target.user.id}`,
    expect: onProject(204, ["owner"]),
  },
  // resources
  { route: "GET resources", method: "GET", path: (f) => `${P(f)}/resources`, expect: onProject(200, SEES_PROJECT) },
  {
    route: "POST resource",
    method: "POST",
    path: (f) => `${P(f)}/resources`,
    body: { type: "vps", name: "web-1" },
    expect: onProject(201, WRITES_RESOURCES),
  },
  { route: "GET resource", method: "GET", path: R, expect: onProject(200, SEES_PROJECT) },
  {
    route: "PATCH resource",
    method: "PATCH",
    path: R,
    body: { name: "web-2" },
    expect: onProject(200, WRITES_RESOURCES),
  },
  { route: "DELETE resource", method: "DELETE", path: R, expect: onProject(204, WRITES_RESOURCES) },
];

export async function setupCallers(node: () => TestNode) {
  const users = {} as Record<Caller, TestUser>;
  for (const who of CALLERS) users[who] = await signup(node(), who);
  return users;
}

/** A fresh org, with every caller in their role and a project, a resource and a target member. */
export async function buildFixture(node: () => TestNode, users: Record<Caller, TestUser>): Promise<Fixture> {
  const db = node().db;
  const org = await createOrg(node(), users.owner.token);
  const roles: [Caller, "editor" | "viewer" | "guest"][] = [
    ["editor", "editor"],
    ["viewer", "viewer"],
    ["viewerProjectEditor", "viewer"],
    ["guestEditor", "guest"],
    ["guestViewer", "guest"],
    ["guestNone", "guest"],
  ];
  for (const [who, role] of roles) await addMember(db, org.id, users[who].user.id, role);
  const target = await signup(node(), "target");
  await addMember(db, org.id, target.user.id, "viewer");
  const project = (
    await call(node(), "POST", `/v1/orgs/${org.id}/projects`, { token: users.owner.token, body: { name: "P" } })
  ).body.id as string;
  for (const [who, role] of [
    ["guestEditor", "editor"],
    ["guestViewer", "viewer"],
    ["viewerProjectEditor", "editor"],
    ["target", "viewer"],
  ] as const) {
    const userId = who === "target" ? target.user.id : users[who].user.id;
    await upsertProjectMember(db, { projectId: project, orgId: org.id, userId, role });
  }
  const resource = (
    await call(node(), "POST", `/v1/orgs/${org.id}/projects/${project}/resources`, {
      token: users.owner.token,
      body: { type: "domain", name: "example.com" },
    })
  ).body.id as string;
  const apiKey = (
    await call(node(), "POST", `/v1/orgs/${org.id}/api-keys`, {
      token: users.owner.token,
      body: { name: "k", role: "viewer" },
    })
  ).body.apiKey.id as string;
  const invitation = (
    await call(node(), "POST", `/v1/orgs/${org.id}/invitations`, {
      token: users.owner.token,
      body: { email: `invitee-${project}@example.com`, role: "editor" },
    })
  ).body.id as string;
  return { org, project, resource, target, apiKey, invitation };
}
