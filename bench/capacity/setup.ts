/**
 * Setup through the public API: signups, orgs, projects, invitations accepted from the mail link
 * that the dev outbox writes to the log (LOG_LEVEL=info on the setup node only).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { api, type BenchProcess, spawnOrgwire } from "../support.js";
import { STORM_MEMBERS, STORM_ORGS, WRITERS } from "./config.js";

export interface User {
  id: string;
  token: string;
  email: string;
}

export type Env = Record<string, string>;
export type Target = { orgId: string; projectId: string };

export interface Setup {
  writers: User[];
  members: User[];
  own: Target[];
  hot: Target;
  storm: Target[];
  stormOwner: User;
}

function mailLinks(node: BenchProcess) {
  const links = new Map<string, string[]>();
  const waiters = new Map<string, () => void>();
  node.onLine((line) => {
    if (!line.startsWith("{")) return;
    try {
      const mail = JSON.parse(line).mail as { to?: string; link?: string } | undefined;
      if (!mail?.to || !mail.link) return;
      links.set(mail.to, [...(links.get(mail.to) ?? []), mail.link]);
      waiters.get(mail.to)?.();
    } catch {
      // not a log line
    }
  });
  return async (email: string): Promise<string> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const link = links.get(email)?.shift();
      if (link) return link.split("/invite/")[1]!;
      if (Date.now() > deadline) throw new Error(`no invitation mail for ${email}`);
      await new Promise<void>((r) => {
        waiters.set(email, r);
        setTimeout(r, 200);
      });
    }
  };
}

async function signup(url: string, label: string): Promise<User> {
  const email = `${label}-${randomBytes(4).toString("hex")}@example.com`;
  const body = await api<{ user: { id: string }; token: string }>(url, "POST", "/v1/auth/signup", {
    body: { email, password: "correct horse battery", name: label },
    expect: 201,
  });
  return { id: body.user.id, token: body.token, email };
}

async function orgWithProject(url: string, owner: User, name: string) {
  const org = await api<{ id: string }>(url, "POST", "/v1/orgs", { token: owner.token, body: { name }, expect: 201 });
  const project = await api<{ id: string }>(url, "POST", `/v1/orgs/${org.id}/projects`, {
    token: owner.token,
    body: { name: `${name} project` },
    expect: 201,
  });
  return { orgId: org.id, projectId: project.id };
}

async function addMember(
  url: string,
  nextLink: (email: string) => Promise<string>,
  owner: User,
  orgId: string,
  member: User,
  role: string,
) {
  await api(url, "POST", `/v1/orgs/${orgId}/invitations`, {
    token: owner.token,
    body: { email: member.email, role },
    expect: 201,
  });
  const token = await nextLink(member.email);
  await api(url, "POST", `/v1/invitations/${token}/accept`, { token: member.token, expect: 200 });
}

/** Users, orgs, projects and memberships, through a setup node that also runs the migrations. */
export async function seed(env: Env, databaseUrl: string): Promise<Setup> {
  const setup = await spawnOrgwire({
    ...env,
    NODE_ID: "cap-setup",
    LOG_LEVEL: "info",
    INVITATIONS_PER_ORG_PER_HOUR: "100000",
    INVITATIONS_PER_USER_PER_HOUR: "100000",
  });
  try {
    const nextLink = mailLinks(setup);
    const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => signup(setup.url, `writer${i}`)));
    const members = await Promise.all(Array.from({ length: STORM_MEMBERS }, (_, i) => signup(setup.url, `member${i}`)));
    const own = await Promise.all(writers.map((w, i) => orgWithProject(setup.url, w, `own ${i}`)));
    const hot = own[0]!;
    for (const w of writers.slice(1)) await addMember(setup.url, nextLink, writers[0]!, hot.orgId, w, "editor");
    const stormOwner = writers[0]!;
    const storm = await Promise.all(
      Array.from({ length: STORM_ORGS }, (_, i) => orgWithProject(setup.url, stormOwner, `storm ${i}`)),
    );
    await Promise.all(
      storm.map(async (o) => {
        for (const m of members) await addMember(setup.url, nextLink, stormOwner, o.orgId, m, "viewer");
      }),
    );
    // pgbench's targets: (a) client i on writer i's own org (n = i), (b) all on the hot org (n = 100 + i).
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query("create table bench_targets (n int primary key, org_id uuid, project_id uuid, user_id uuid)");
      for (let i = 0; i < WRITERS; i++) {
        const sql = "insert into bench_targets values ($1, $2, $3, $4)";
        await admin.query(sql, [i, own[i]!.orgId, own[i]!.projectId, writers[i]!.id]);
        await admin.query(sql, [100 + i, hot.orgId, hot.projectId, writers[i]!.id]);
      }
    } finally {
      await admin.end();
    }
    return { writers, members, own, hot, storm, stormOwner };
  } finally {
    await setup.kill("SIGTERM");
  }
}
