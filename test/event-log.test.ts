import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { verifyChain } from "../server/events/chain.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;

describe("the event log", () => {
  it("gives 200 concurrent mutations seq 2..201, gapless, each chained to the one before", async () => {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        call(node(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `Acme ${i}` } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(200));

    const rows = await node()
      .db.selectFrom("events")
      .select(["seq", "type", "hash", "prev_hash", "data"])
      .where("org_id", "=", org.id)
      .orderBy("seq")
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    expect(rows[0]!.type).toBe("org.created");
    expect(new Set(rows.slice(1).map((r) => (r.data as { name: string }).name)).size).toBe(200);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    // The last committed rename is the org's name: seq order is commit order.
    const current = await call(node(), "GET", `/v1/orgs/${org.id}`, { token: owner.token });
    expect(current.body.name).toBe((rows.at(-1)!.data as { name: string }).name);
    expect(await verifyChain(node().db, org.id)).toEqual({ ok: true, checked: 201 });
  });

  it("detects a row changed behind the API's back", async () => {
    const owner = await signup(node(), "tamper");
    const org = await createOrg(node(), owner.token);
    for (let i = 0; i < 5; i++) {
      await call(node(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `v${i}` } });
    }
    await node()
      .db.updateTable("events")
      .set({ data: JSON.stringify({ name: "forged" }) })
      .where("org_id", "=", org.id)
      .where("seq", "=", 4)
      .execute();
    expect(await verifyChain(node().db, org.id)).toEqual({ ok: false, checked: 3, brokenAtSeq: 4 });
  });

  it("records actor, target and context (ip, user agent, request id) with each event", async () => {
    const owner = await signup(node(), "ctx");
    const org = await createOrg(node(), owner.token);
    await call(node(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { name: "Renamed" },
      headers: { "user-agent": "orgwire-test/1", "x-request-id": "req-123" },
    });
    const page = await call(node(), "GET", `/v1/orgs/${org.id}/events?since=1`, { token: owner.token });
    expect(page.status).toBe(200);
    const [event] = page.body.items;
    expect(event).toMatchObject({
      orgId: org.id,
      seq: 2,
      type: "org.updated",
      actor: { type: "user", id: owner.user.id, email: owner.email },
      target: { type: "org", id: org.id },
      data: { name: "Renamed" },
      context: { userAgent: "orgwire-test/1", requestId: "req-123" },
    });
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    const stored = await node()
      .db.selectFrom("events")
      .select(sql<string>`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as("at"))
      .where("id", "=", event.id)
      .executeTakeFirstOrThrow();
    expect(event.occurredAt).toBe(stored.at);
  });

  it("serves each role its own view: no context or hash below owner, owner-only types hidden", async () => {
    const owner = await signup(node(), "views");
    const org = await createOrg(node(), owner.token);
    const viewer = await signup(node(), "viewer");
    const guest = await signup(node(), "guest");
    await addMember(node().db, org.id, viewer.user.id, "viewer");
    await addMember(node().db, org.id, guest.user.id, "guest");
    await call(node(), "PATCH", `/v1/orgs/${org.id}/members/${guest.user.id}`, {
      token: owner.token,
      body: { role: "viewer" },
    });
    await call(node(), "PATCH", `/v1/orgs/${org.id}/members/${guest.user.id}`, {
      token: owner.token,
      body: { role: "guest" },
    });
    await call(node(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Other" } });

    const asViewer = await call(node(), "GET", `/v1/orgs/${org.id}/events`, { token: viewer.token });
    expect(asViewer.body.items.map((e: { type: string }) => e.type)).toEqual([
      "org.created",
      "member.role_changed",
      "member.role_changed",
      "org.updated",
    ]);
    for (const e of asViewer.body.items) {
      expect(e).not.toHaveProperty("context");
      expect(e).not.toHaveProperty("hash");
    }
    // The guest sees only events about themselves.
    const asGuest = await call(node(), "GET", `/v1/orgs/${org.id}/events`, { token: guest.token });
    expect(asGuest.body.items.map((e: { seq: number }) => e.seq)).toEqual([2, 3]);
  });

  it("pages by the caller's view: limit counts visible events and nextCursor is the next since", async () => {
    const owner = await signup(node(), "pages");
    const org = await createOrg(node(), owner.token);
    for (let i = 0; i < 6; i++)
      await call(node(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `n${i}` } });
    const first = await call(node(), "GET", `/v1/orgs/${org.id}/events?limit=4`, { token: owner.token });
    expect(first.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first.body.nextCursor).toBe(4);
    const second = await call(node(), "GET", `/v1/orgs/${org.id}/events?limit=4&since=${first.body.nextCursor}`, {
      token: owner.token,
    });
    expect(second.body.items.map((e: { seq: number }) => e.seq)).toEqual([5, 6, 7]);
    expect(second.body.nextCursor).toBeNull();
    for (const bad of ["limit=0", "limit=501", "since=-1", "limit=abc"]) {
      const res = await call(node(), "GET", `/v1/orgs/${org.id}/events?${bad}`, { token: owner.token });
      expect(res.status, bad).toBe(400);
    }
  });
});
