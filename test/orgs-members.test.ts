import { describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;

describe("organizations", () => {
  it("creates, lists, reads, renames, merges settings and deletes", async () => {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token, "Acme");
    expect(org).toMatchObject({ name: "Acme", role: "owner", settings: {} });
    const list = await call(node(), "GET", "/v1/orgs", { token: owner.token });
    expect(list.body).toEqual({ items: [org], nextCursor: null });

    const p1 = await call(node(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { settings: { preferences: { language: "fr" }, notifications: { billing: true } } },
    });
    expect(p1.status).toBe(200);
    // Naming one object replaces it whole and leaves the others.
    const p2 = await call(node(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { name: "Acme 2", settings: { preferences: { timezone: "Europe/Paris" } } },
    });
    expect(p2.body).toMatchObject({
      name: "Acme 2",
      settings: { preferences: { timezone: "Europe/Paris" }, notifications: { billing: true } },
    });
    expect(p2.body.settings.preferences).not.toHaveProperty("language");

    const unknownKey = await call(node(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { settings: { preferences: { colour: "red" } } },
    });
    expect(unknownKey.status).toBe(400);

    expect((await call(node(), "DELETE", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(node(), "GET", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(404);
    expect((await call(node(), "DELETE", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(404);
    expect((await call(node(), "GET", "/v1/orgs", { token: owner.token })).body.items).toEqual([]);
  });

  it("pages the org list with an opaque cursor", async () => {
    const owner = await signup(node(), "many");
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createOrg(node(), owner.token, `Org ${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call(node(), "GET", `/v1/orgs${q}`, { token: owner.token });
      seen.push(...page.body.items.map((o: { id: string }) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(created.map((o) => o.id).sort());
    expect((await call(node(), "GET", "/v1/orgs?cursor=garbage", { token: owner.token })).status).toBe(400);
  });

  it("accepts path ids in any case", async () => {
    const owner = await signup(node(), "case");
    const org = await createOrg(node(), owner.token);
    const res = await call(node(), "GET", `/v1/orgs/${org.id.toUpperCase()}`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(org.id);
  });
});

describe("members", () => {
  it("lists members, changes a role, removes one, lets one leave", async () => {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token);
    const bob = await signup(node(), "bob");
    const eve = await signup(node(), "eve");
    await addMember(node().db, org.id, bob.user.id, "viewer");
    await addMember(node().db, org.id, eve.user.id, "editor");

    const list = await call(node(), "GET", `/v1/orgs/${org.id}/members`, { token: bob.token });
    // Ordered by (joinedAt, userId): members who joined in the same millisecond sort by id.
    const items = list.body.items as { email: string; role: string; joinedAt: string; userId: string }[];
    const sorted = [...items].sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.userId.localeCompare(b.userId));
    expect(items).toEqual(sorted);
    expect(items.map((m) => [m.email, m.role]).sort()).toEqual(
      [
        [owner.email, "owner"],
        [bob.email, "viewer"],
        [eve.email, "editor"],
      ].sort(),
    );
    expect(Object.keys(list.body.items[0]).sort()).toEqual(["email", "joinedAt", "name", "role", "userId"]);

    const promote = await call(node(), "PATCH", `/v1/orgs/${org.id}/members/${bob.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    });
    expect(promote.status).toBe(200);
    expect(promote.body.role).toBe("editor");

    expect(
      (await call(node(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token })).status,
    ).toBe(204);
    // Access ends at once.
    expect((await call(node(), "GET", `/v1/orgs/${org.id}`, { token: bob.token })).status).toBe(404);
    expect(
      (await call(node(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token })).status,
    ).toBe(404);

    expect(
      (await call(node(), "DELETE", `/v1/orgs/${org.id}/members/${eve.user.id}`, { token: eve.token })).status,
    ).toBe(204);
    const events = await call(node(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    expect(
      events.body.items
        .filter((e: { type: string }) => e.type === "member.removed")
        .map((e: { data: unknown }) => e.data),
    ).toEqual([
      { userId: bob.user.id, reason: "removed" },
      { userId: eve.user.id, reason: "left" },
    ]);
  });

  it("never lets the last owner go, and a same-role change writes no event", async () => {
    const owner = await signup(node(), "solo");
    const org = await createOrg(node(), owner.token);
    const demote = await call(node(), "PATCH", `/v1/orgs/${org.id}/members/${owner.user.id}`, {
      token: owner.token,
      body: { role: "editor" },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe("last_owner");
    const leave = await call(node(), "DELETE", `/v1/orgs/${org.id}/members/${owner.user.id}`, { token: owner.token });
    expect(leave.body.error.code).toBe("last_owner");
    const same = await call(node(), "PATCH", `/v1/orgs/${org.id}/members/${owner.user.id}`, {
      token: owner.token,
      body: { role: "owner" },
    });
    expect(same.status).toBe(200);
    const events = await call(node(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    expect(events.body.items).toHaveLength(1);
  });

  it("keeps one owner when two owners demote or remove each other at the same instant (20 rounds)", async () => {
    for (let round = 0; round < 20; round++) {
      const a = await signup(node(), `a${round}`);
      const b = await signup(node(), `b${round}`);
      const org = await createOrg(node(), a.token);
      await addMember(node().db, org.id, b.user.id, "owner");
      const removeInsteadOfDemote = round % 2 === 1;
      const act = (actor: typeof a, target: typeof b) =>
        removeInsteadOfDemote
          ? call(node(), "DELETE", `/v1/orgs/${org.id}/members/${target.user.id}`, { token: actor.token })
          : call(node(), "PATCH", `/v1/orgs/${org.id}/members/${target.user.id}`, {
              token: actor.token,
              body: { role: "viewer" },
            });
      const [r1, r2] = await Promise.all([act(a, b), act(b, a)]);
      const statuses = [r1.status, r2.status].sort();
      // One wins; the other is refused: as last owner, or because its author is no longer an owner.
      expect(statuses[0], `round ${round}`).toBeLessThan(300);
      expect([403, 404, 409]).toContain(statuses[1]);
      const owners = await node()
        .db.selectFrom("memberships")
        .select("user_id")
        .where("org_id", "=", org.id)
        .where("role", "=", "owner")
        .execute();
      expect(owners, `round ${round}`).toHaveLength(1);
    }
  });
});
