import { describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { record, sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(2);
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

async function orgWithProjects() {
  const owner = await signup(A(), "owner");
  const org = await createOrg(A(), owner.token);
  const mk = async (name: string) =>
    (await call(A(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name } })).body.id as string;
  return { owner, org, P: await mk("P"), Q: await mk("Q") };
}

const resources = (orgId: string, projectId: string) => `/v1/orgs/${orgId}/projects/${projectId}/resources`;

describe("projects and resources", () => {
  it("creates, renames, lists and deletes projects; deleting one takes its resources, each an event", async () => {
    const { owner, org, P } = await orgWithProjects();
    const renamed = await call(A(), "PATCH", `/v1/orgs/${org.id}/projects/${P}`, {
      token: owner.token,
      body: { name: "Prod" },
    });
    expect(renamed.body).toMatchObject({ id: P, name: "Prod" });
    const r1 = await call(A(), "POST", resources(org.id, P), {
      token: owner.token,
      body: { type: "vps", name: "web-1", config: { region: "us-east", plan: "m1" } },
    });
    expect(r1.status).toBe(201);
    expect(r1.body.config).toEqual({ region: "us-east", plan: "m1", image: "debian-12", sshKeys: [] });
    const r2 = await call(A(), "POST", resources(org.id, P), {
      token: owner.token,
      body: { type: "domain", name: "Example.COM" },
    });
    expect(r2.body.config).toEqual({ fqdn: "example.com", autoRenew: true, nameservers: [] });
    const list = await call(A(), "GET", resources(org.id, P), { token: owner.token });
    expect(list.body.items.map((r: { name: string }) => r.name).sort()).toEqual(["Example.COM", "web-1"]);

    expect((await call(A(), "DELETE", `/v1/orgs/${org.id}/projects/${P}`, { token: owner.token })).status).toBe(204);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/projects/${P}`, { token: owner.token })).status).toBe(404);
    expect((await call(A(), "GET", `${resources(org.id, P)}/${r1.body.id}`, { token: owner.token })).status).toBe(404);
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events?since=3`, { token: owner.token });
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
      "project.updated",
      "resource.created",
      "resource.created",
      "resource.deleted",
      "resource.deleted",
      "project.deleted",
    ]);
    expect(new Set(events.body.items.map((e: { projectId: string }) => e.projectId))).toEqual(new Set([P]));
  });

  it("updates a resource by merging config fields, validated against its type", async () => {
    const { owner, org, P } = await orgWithProjects();
    const created = await call(A(), "POST", resources(org.id, P), {
      token: owner.token,
      body: { type: "hosting", name: "site", config: { plan: "pro", domain: "shop.example.com" } },
    });
    const url = `${resources(org.id, P)}/${created.body.id}`;
    const updated = await call(A(), "PATCH", url, { token: owner.token, body: { config: { phpVersion: "8.2" } } });
    expect(updated.status).toBe(200);
    expect(updated.body.config).toEqual({ plan: "pro", domain: "shop.example.com", phpVersion: "8.2" });
    for (const bad of [{ config: { plan: "huge" } }, { config: { unknown: 1 } }, { name: "" }, {}]) {
      const res = await call(A(), "PATCH", url, { token: owner.token, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const failed = await call(A(), "POST", resources(org.id, P), {
      token: owner.token,
      body: { type: "domain", name: "not a domain" },
    });
    expect(failed.status).toBe(400);
    // A failed create leaves no event row.
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events?since=3`, { token: owner.token });
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(["resource.created", "resource.updated"]);
  });

  it("project members: put with a role, change it, remove; the user must be an org member", async () => {
    const { owner, org, P } = await orgWithProjects();
    const gina = await signup(A(), "gina");
    await addMember(A().db, org.id, gina.user.id, "guest");
    const url = `/v1/orgs/${org.id}/projects/${P}/members/${gina.user.id}`;
    expect((await call(A(), "PUT", url, { token: owner.token, body: { role: "viewer" } })).body.role).toBe("viewer");
    expect((await call(A(), "PUT", url, { token: owner.token, body: { role: "viewer" } })).status).toBe(200);
    expect((await call(A(), "PUT", url, { token: owner.token, body: { role: "editor" } })).body.role).toBe("editor");
    const members = await call(A(), "GET", `/v1/orgs/${org.id}/projects/${P}/members`, { token: gina.token });
    expect(members.body.items.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [gina.user.id, "editor"],
    ]);
    expect((await call(A(), "DELETE", url, { token: owner.token })).status).toBe(204);
    expect((await call(A(), "DELETE", url, { token: owner.token })).status).toBe(404);
    const stranger = await signup(A(), "stranger");
    const notMember = await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${P}/members/${stranger.user.id}`, {
      token: owner.token,
      body: { role: "viewer" },
    });
    expect(notMember.status).toBe(404);
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events?since=3`, { token: owner.token });
    expect(events.body.items.map((e: { type: string; data: unknown }) => [e.type, e.data])).toEqual([
      ["project.member_added", { userId: gina.user.id, role: "viewer" }],
      ["project.member_role_changed", { userId: gina.user.id, from: "viewer", to: "editor" }],
      ["project.member_removed", { userId: gina.user.id }],
    ]);
    // Removed from their last project, a guest stays a guest with nothing to see.
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: gina.token })).body.role).toBe("guest");
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/projects`, { token: gina.token })).body.items).toEqual([]);
  });

  it("project roles only add rights, and survive org role changes", async () => {
    const { owner, org, P, Q } = await orgWithProjects();
    const vic = await signup(A(), "vic");
    await addMember(A().db, org.id, vic.user.id, "viewer");
    await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${P}/members/${vic.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    });
    const create = (projectId: string) =>
      call(A(), "POST", resources(org.id, projectId), { token: vic.token, body: { type: "vps", name: "x" } });
    expect((await create(P)).status).toBe(201);
    expect((await create(Q)).status).toBe(403);
    await call(A(), "PATCH", `/v1/orgs/${org.id}/members/${vic.user.id}`, {
      token: owner.token,
      body: { role: "guest" },
    });
    expect((await create(P)).status).toBe(201);
    expect((await create(Q)).status).toBe(404); // a guest does not see Q
  });

  it("removal from the org ends every project role: back as a guest, the member sees no project", async () => {
    const { owner, org, P } = await orgWithProjects();
    const gail = await signup(A(), "gail");
    await addMember(A().db, org.id, gail.user.id, "guest");
    await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${P}/members/${gail.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    });
    const projectMembers = async () =>
      (await call(A(), "GET", `/v1/orgs/${org.id}/projects/${P}/members`, { token: owner.token })).body.items.map(
        (m: { userId: string }) => m.userId,
      );
    expect(await projectMembers()).toContain(gail.user.id);
    const removed = await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${gail.user.id}`, { token: owner.token });
    expect(removed.status).toBe(204);
    expect(await projectMembers()).not.toContain(gail.user.id);
    await addMember(A().db, org.id, gail.user.id, "guest");
    const seen = await call(A(), "GET", `/v1/orgs/${org.id}/projects`, { token: gail.token });
    expect(seen.status).toBe(200);
    expect(seen.body.items).toEqual([]);
    expect((await call(A(), "GET", resources(org.id, P), { token: gail.token })).status).toBe(404);
  });

  it("a project role granted while the member is removed, on the other node: either order, no role left behind", async () => {
    const { owner, org, P } = await orgWithProjects();
    for (let round = 0; round < 8; round++) {
      const m = await signup(A(), `racer${round}`);
      await addMember(A().db, org.id, m.user.id, "viewer");
      const [removed, granted] = await Promise.all([
        call(A(), "DELETE", `/v1/orgs/${org.id}/members/${m.user.id}`, { token: owner.token }),
        call(B(), "PUT", `/v1/orgs/${org.id}/projects/${P}/members/${m.user.id}`, {
          token: owner.token,
          body: { role: "editor" },
        }),
      ]);
      expect(removed.status).toBe(204);
      // Granted before the removal (then ended by it), or refused after it: never a 500.
      expect([200, 201, 404]).toContain(granted.status);
      const left = await A()
        .db.selectFrom("project_members")
        .select("user_id")
        .where("org_id", "=", org.id)
        .where("user_id", "=", m.user.id)
        .execute();
      expect(left).toEqual([]);
    }
  });
});

describe("billing", () => {
  it("replaces the profile whole and tells owners which fields changed", async () => {
    const { owner, org } = await orgWithProjects();
    const viewer = await signup(A(), "viewer");
    await addMember(A().db, org.id, viewer.user.id, "viewer");
    const empty = await call(A(), "GET", `/v1/orgs/${org.id}/billing`, { token: owner.token });
    expect(empty.body).toEqual({ contactEmail: null, company: null, address: null, taxId: null, updatedAt: null });
    const ownerSocket = record(B().url, org.id, owner.token);
    const viewerSocket = record(B().url, org.id, viewer.token);
    await Promise.all([ownerSocket.ready, viewerSocket.ready]);
    const put = await call(A(), "PUT", `/v1/orgs/${org.id}/billing`, {
      token: owner.token,
      body: {
        contactEmail: "Billing@Example.com",
        company: "Acme SAS",
        address: { line1: "1 rue de la Paix", city: "Paris", postalCode: "75002", country: "fr" },
        taxId: "FR40303265045",
      },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ contactEmail: "billing@example.com", address: { country: "FR" } });
    const second = await call(A(), "PUT", `/v1/orgs/${org.id}/billing`, {
      token: owner.token,
      body: { contactEmail: "billing@example.com", company: "Acme SAS" },
    });
    expect(second.body).toMatchObject({ address: null, taxId: null });
    await ownerSocket.waitForSeq(5);
    expect(ownerSocket.events.map((e) => [e.type, e.data])).toEqual([
      ["billing.updated", { fields: ["contactEmail", "company", "address", "taxId"] }],
      ["billing.updated", { fields: ["address", "taxId"] }],
    ]);
    await sleep(100);
    expect(viewerSocket.events).toEqual([]); // owner-only
    for (const bad of [
      { contactEmail: "nope" },
      { contactEmail: "a@b.co", address: { line1: "x" } },
      { contactEmail: "a@b.co", taxId: "!" },
    ]) {
      expect((await call(A(), "PUT", `/v1/orgs/${org.id}/billing`, { token: owner.token, body: bad })).status).toBe(
        400,
      );
    }
    ownerSocket.close();
    viewerSocket.close();
  });
});

describe("guests, live", () => {
  it("a guest on P receives P's resource events and nothing of Q; removed from P, P's events stop at once", async () => {
    const { owner, org, P, Q } = await orgWithProjects();
    const gus = await signup(A(), "gus");
    await addMember(A().db, org.id, gus.user.id, "guest");
    await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${P}/members/${gus.user.id}`, {
      token: owner.token,
      body: { role: "viewer" },
    }); // 4
    const guest = record(B().url, org.id, gus.token);
    const ownerSocket = record(B().url, org.id, owner.token);
    await Promise.all([guest.ready, ownerSocket.ready]);
    const make = (projectId: string, name: string) =>
      call(A(), "POST", resources(org.id, projectId), { token: owner.token, body: { type: "vps", name } });
    await make(P, "p-1"); // 5
    await make(Q, "q-1"); // 6
    await make(P, "p-2"); // 7
    const removal = await call(A(), "DELETE", `/v1/orgs/${org.id}/projects/${P}/members/${gus.user.id}`, {
      token: owner.token,
    }); // 8
    expect(removal.status).toBe(204);
    await make(P, "p-3"); // 9
    await make(Q, "q-2"); // 10
    await ownerSocket.waitForSeq(10);
    await guest.waitForSeq(8);
    await sleep(100);
    expect(guest.events.map((e) => [e.seq, e.type])).toEqual([
      [5, "resource.created"],
      [7, "resource.created"],
      [8, "project.member_removed"],
    ]);
    expect(guest.socket.connected).toBe(true);
    // Added to Q without reconnecting: Q's events flow.
    await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${Q}/members/${gus.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    }); // 11
    await make(Q, "q-3"); // 12
    await guest.waitForSeq(12);
    expect(guest.seqs().slice(-2)).toEqual([11, 12]);
    // A replay is authorized against current state: Q's whole history (3, 6, 10, 12), events about
    // themselves (4, 8, 11), and nothing of P any more (5, 7).
    const replay = record(A().url, org.id, gus.token, { since: 0 });
    await replay.ready;
    expect(replay.seqs()).toEqual([3, 4, 6, 8, 10, 11, 12]);
    for (const s of [guest, ownerSocket, replay]) s.close();
  });

  it("deleting a project tells its guests they left it, and stops its events", async () => {
    const { owner, org, P } = await orgWithProjects();
    const gus = await signup(A(), "gus");
    await addMember(A().db, org.id, gus.user.id, "guest");
    await call(A(), "PUT", `/v1/orgs/${org.id}/projects/${P}/members/${gus.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    }); // 4
    await call(A(), "POST", resources(org.id, P), { token: owner.token, body: { type: "vps", name: "v" } }); // 5
    const guest = record(B().url, org.id, gus.token);
    await guest.ready;
    await call(A(), "DELETE", `/v1/orgs/${org.id}/projects/${P}`, { token: owner.token }); // 6 resource.deleted, 7 member_removed, 8 project.deleted
    await guest.waitForSeq(7);
    await sleep(100);
    expect(guest.events.map((e) => e.type)).toEqual(["resource.deleted", "project.member_removed"]);
    guest.close();
  });
});
