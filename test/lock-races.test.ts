import { describe, expect, it } from "vitest";
import { mutateOrgAsSystem } from "../server/events/unit-of-work.js";
import { deleteMembership } from "../server/members/members.repository.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

/**
 * A mutation reads its caller's access in the statement that takes the org's lock. When it had to
 * wait for that lock, the change that held it may have taken the access away: the mutation must
 * see that change (404 or 403) and write nothing. Postgres re-reads only the locked row after such
 * a wait, not the rows joined to it, so a stale role would slip through without a re-read.
 */
const cluster = useCluster(2);
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;
const quiet = { committed: async () => {} };

describe("the org's lock", () => {
  it("a write that waited for the lock sees the removal that held it: 404, nothing written", async () => {
    const owner = await signup(A(), "owner");
    const member = await signup(A(), "member");
    const org = await createOrg(A(), owner.token);
    await addMember(A().db, org.id, member.user.id, "editor");
    const project = (
      await call(A(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } })
    ).body.id as string;
    const path = `/v1/orgs/${org.id}/projects/${project}/resources`;
    // The member's session is looked up and remembered before the race.
    expect((await call(B(), "GET", path, { token: member.token })).status).toBe(200);
    let write: Promise<{ status: number }> | undefined;
    await mutateOrgAsSystem({ db: A().db, sink: quiet }, org.id, "test-removal", async ({ trx, record }) => {
      await deleteMembership(trx, org.id, member.user.id);
      await record({
        type: "member.removed",
        target: { type: "user", id: member.user.id },
        data: { userId: member.user.id, reason: "removed" },
      });
      // The member's write reaches the lock while this transaction holds it.
      write = call(B(), "POST", path, { token: member.token, body: { type: "vps", name: "late" } });
      await sleep(400);
    });
    expect((await write!).status).toBe(404);
    const resources = await call(A(), "GET", path, { token: owner.token });
    expect(resources.body.items).toEqual([]);
  });

  it("a write that waited for the lock sees the demotion that held it: 403, nothing written", async () => {
    const owner = await signup(A(), "owner");
    const member = await signup(A(), "member");
    const org = await createOrg(A(), owner.token);
    await addMember(A().db, org.id, member.user.id, "owner");
    expect((await call(B(), "GET", `/v1/orgs/${org.id}`, { token: member.token })).status).toBe(200);
    let write: Promise<{ status: number }> | undefined;
    await mutateOrgAsSystem({ db: A().db, sink: quiet }, org.id, "test-demotion", async ({ trx, record }) => {
      await trx
        .updateTable("memberships")
        .set({ role: "viewer" })
        .where("org_id", "=", org.id)
        .where("user_id", "=", member.user.id)
        .execute();
      await record({
        type: "member.role_changed",
        target: { type: "user", id: member.user.id },
        data: { userId: member.user.id, from: "owner", to: "viewer" },
      });
      write = call(B(), "PATCH", `/v1/orgs/${org.id}`, { token: member.token, body: { name: "Taken over" } });
      await sleep(400);
    });
    expect((await write!).status).toBe(403);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: owner.token })).body.name).toBe("Acme");
  });

  it("the head's access_seq moves with every event but a resource write's", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const accessSeq = async () => {
      const head = await A()
        .db.selectFrom("event_heads")
        .select(["seq", "access_seq"])
        .where("org_id", "=", org.id)
        .executeTakeFirstOrThrow();
      return [Number(head.seq), Number(head.access_seq)];
    };
    const [created] = await accessSeq();
    expect(await accessSeq()).toEqual([created, created]);
    const project = (
      await call(A(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } })
    ).body.id as string;
    const [projectSeq] = await accessSeq();
    expect(await accessSeq()).toEqual([projectSeq, projectSeq]);
    const path = `/v1/orgs/${org.id}/projects/${project}/resources`;
    for (const name of ["a", "b"]) {
      expect((await call(A(), "POST", path, { token: owner.token, body: { type: "vps", name } })).status).toBe(201);
    }
    expect(await accessSeq()).toEqual([projectSeq! + 2, projectSeq]);
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Renamed" } });
    expect(await accessSeq()).toEqual([projectSeq! + 3, projectSeq! + 3]);
  });
});
