import { afterAll, describe, expect, it } from "vitest";
import { type OrgEvent, OrgwireClient, OrgwireError } from "../client-sdk/src/index.js";
import { addMember } from "./support/api.js";
import { spawnNode } from "./support/nodes.js";
import { startPrivateRedis } from "./support/private-redis.js";
import { createTestDatabase, uniquePrefix } from "./support/services.js";
import { sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const url = () => cluster.nodes[0]!.url;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const password = "correct horse battery";
const email = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}@example.com`;

async function signedIn(label: string, base: string | string[] = url()) {
  const client = new OrgwireClient({ url: base, backoff: { initialMs: 50, maxMs: 500 } });
  const { user } = await client.auth.signup({ email: email(label), password, name: label });
  return { client, user };
}

describe("typed calls", () => {
  it("covers every route family", async () => {
    const { client: owner, user } = await signedIn("owner");
    const me = await owner.auth.me();
    expect(me.user.id).toBe(user.id);
    const org = await owner.orgs.create({ name: "Acme" });
    expect((await owner.orgs.list()).items.map((o) => o.id)).toEqual([org.id]);
    expect(
      (await owner.orgs.update(org.id, { settings: { preferences: { language: "fr" } } })).settings?.preferences
        ?.language,
    ).toBe("fr");
    const { client: viewer, user: vu } = await signedIn("viewer");
    await addMember(cluster.nodes[0]!.db, org.id, vu.id, "viewer");
    expect((await owner.members.setRole(org.id, vu.id, "editor")).role).toBe("editor");
    expect((await viewer.members.list(org.id)).items).toHaveLength(2);

    const project = await viewer.projects.create(org.id, { name: "Prod" });
    const vps = await viewer.resources.create(org.id, project.id, { type: "vps", name: "web-1" });
    expect(vps.config).toMatchObject({ region: "eu-west" });
    expect((await viewer.resources.update(org.id, project.id, vps.id, { config: { plan: "m1" } })).config.plan).toBe(
      "m1",
    );
    await owner.projects.setMember(org.id, project.id, vu.id, "viewer");
    expect((await owner.projects.members(org.id, project.id)).items.map((m) => m.userId)).toEqual([vu.id]);

    const invitation = await owner.invitations.create(org.id, { email: email("invitee"), role: "viewer" });
    expect((await owner.invitations.list(org.id)).items.map((i) => i.id)).toEqual([invitation.id]);
    await owner.invitations.revoke(org.id, invitation.id);

    await owner.orgs.setBilling(org.id, { contactEmail: "billing@acme.io" });
    expect((await owner.orgs.billing(org.id)).contactEmail).toBe("billing@acme.io");
    const key = await owner.apiKeys.create(org.id, { name: "ci", role: "viewer", audit: true });
    const asKey = new OrgwireClient({ url: url(), token: key.secret });
    expect((await asKey.audit.verify(org.id)).ok).toBe(true);

    const log = await owner.eventLog.page(org.id, { since: 0, limit: 500 });
    const audit = await owner.audit.list(org.id, { action: "resource.*" });
    expect(audit.items.map((e) => e.type)).toEqual(["resource.updated", "resource.created"]);
    let ndjson = "";
    for await (const chunk of owner.audit.export(org.id, { format: "ndjson" })) ndjson += chunk;
    expect(ndjson.trimEnd().split("\n")).toHaveLength(log.items.length);

    await viewer.members.remove(org.id, vu.id); // leave
    await owner.resources.delete(org.id, project.id, vps.id);
    await owner.projects.delete(org.id, project.id);
    await owner.apiKeys.revoke(org.id, key.apiKey.id);
    await owner.orgs.delete(org.id);
    await owner.auth.logout();
    expect(owner.token).toBeUndefined();
  });

  it("surfaces failures as one OrgwireError with status, code and details", async () => {
    const { client } = await signedIn("errors");
    const org = await client.orgs.create({ name: "E" });
    const error = await client.orgs.update(org.id, { name: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrgwireError);
    expect(error).toMatchObject({ status: 400, code: "invalid_request" });
    expect((error as OrgwireError).details).toBeInstanceOf(Array);
    await expect(client.orgs.get("00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
    const offline = new OrgwireClient({ url: "http://127.0.0.1:9" });
    await expect(offline.orgs.list()).rejects.toMatchObject({ status: 0, code: "network" });
  });
});

describe("subscriptions", () => {
  it("deliver each event once and in order across the death of their node and a Redis restart", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const redis = await startPrivateRedis();
    cleanups.push(redis.stop);
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix("sdk"), HEAD_POLL_MS: "300" };
    const a = await spawnNode({ ...env, NODE_ID: "a" });
    const b = await spawnNode({ ...env, NODE_ID: "b" });
    cleanups.push(
      () => a.kill(),
      () => b.kill(),
    );

    // The subscriber prefers node a, and fails over to b.
    const { client: owner } = await signedIn("owner", [a.url, b.url]);
    const writer = new OrgwireClient({ url: b.url, token: owner.token });
    const org = await owner.orgs.create({ name: "Survivor" });
    const received: OrgEvent[] = [];
    const statuses: string[] = [];
    const sub = owner.subscribe(org.id, { onEvent: (e) => received.push(e), onStatus: (s) => statuses.push(s) });
    await waitFor(() => sub.status === "live");

    let committed = 1;
    const commit = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await writer.orgs.update(org.id, { name: `v${committed}` });
        committed++;
      }
    };
    await commit(5);
    await a.kill("SIGKILL"); // the subscriber's node dies
    await commit(5); // committed while it reconnects to b
    await redis.stop();
    await commit(5); // committed while Redis is down
    await redis.start();
    await commit(5);
    await waitFor(() => received.at(-1)?.seq === committed, 20_000);
    expect(received.map((e) => e.seq)).toEqual(Array.from({ length: committed - 1 }, (_, i) => i + 2));
    expect(statuses).toContain("reconnecting");
    sub.close();
  });

  it("stop for good on revocation, and the async iterator ends there", async () => {
    const { client: owner } = await signedIn("owner");
    const { client: member, user } = await signedIn("member");
    const org = await owner.orgs.create({ name: "Revoke" });
    await addMember(cluster.nodes[0]!.db, org.id, user.id, "viewer");
    const revoked: unknown[] = [];
    const sub = member.subscribe(org.id, { onEvent: () => {}, onRevoked: (r) => revoked.push(r) });
    await waitFor(() => sub.status === "live");
    const iterated: string[] = [];
    const loop = (async () => {
      for await (const e of member.events(org.id)) iterated.push(e.type);
    })();
    await sleep(100);
    await owner.orgs.update(org.id, { name: "seen" });
    await waitFor(() => iterated.length === 1);
    await owner.members.remove(org.id, user.id);
    await loop; // ends without throwing
    await waitFor(() => revoked.length === 1);
    expect(revoked).toEqual([{ orgId: org.id, reason: "member_removed" }]);
    expect(sub.status).toBe("closed");
    await sleep(700); // longer than the backoff: nothing reconnects
    expect(sub.status).toBe("closed");
    expect(iterated).toEqual(["org.updated"]);
  });

  it("reports a refused handshake once and does not retry", async () => {
    const { client: owner } = await signedIn("owner");
    const { client: stranger } = await signedIn("stranger");
    const org = await owner.orgs.create({ name: "Closed" });
    const errors: OrgwireError[] = [];
    const sub = stranger.subscribe(org.id, { onEvent: () => {}, onError: (e) => errors.push(e) });
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ status: 403, code: "forbidden" });
    expect(sub.status).toBe("closed");
    const iterator = stranger.events(org.id);
    await expect(iterator.next()).rejects.toMatchObject({ code: "forbidden" });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}
