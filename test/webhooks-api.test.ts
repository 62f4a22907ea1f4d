import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup, type Target } from "./support/api.js";
import { sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";
import { startReceiver, type TestReceiver } from "./support/webhook-receiver.js";

// Two clusters (each its own database): the SSRF guard is only on without WEBHOOK_ALLOW_PRIVATE, and
// delivering to a receiver on 127.0.0.1 needs it. Fast polling so deliveries show up within a test.
const guarded = useCluster(1);
const open = useCluster(1, {
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_TIMEOUT_MS: "1000",
  WEBHOOK_RETRY_BASE_MS: "50",
  WEBHOOK_RETRY_MAX_MS: "200",
  OUTBOUND_POLL_MS: "100",
  OUTBOUND_LEASE_MS: "1000",
});
const G = () => guarded.nodes[0]!;
const O = () => open.nodes[0]!;
const receivers: TestReceiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.close();
});

// A public address literal: passes the guard without DNS (the sandbox may have none). Its filter
// matches nothing these tests do, so the server never calls it.
const PUBLIC_URL = "https://93.184.215.14/hook";
// Nothing listens on port 9 and nothing is sent there either (same filter).
const LOCAL_URL = "http://127.0.0.1:9/";
const QUIET = ["resource.created"];

const hooks = (orgId: string) => `/v1/orgs/${orgId}/webhooks`;
const create = (node: Target, orgId: string, token: string, body: Record<string, unknown>) =>
  call(node, "POST", hooks(orgId), { token, body });

interface LoggedEvent {
  seq: number;
  type: string;
  target: { type: string; id: string };
  data: Record<string, unknown>;
}
const eventLog = async (node: Target, orgId: string, token: string) => {
  const res = await call(node, "GET", `/v1/orgs/${orgId}/events?limit=100`, { token });
  expect(res.status).toBe(200);
  return res.body.items as LoggedEvent[];
};
const headSeq = async (node: Target, orgId: string, token: string) => (await eventLog(node, orgId, token)).at(-1)!.seq;

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("webhooks API: SSRF guard (WEBHOOK_ALLOW_PRIVATE unset)", () => {
  it("refuses private, loopback, link-local and non-https URLs on create and on update", async () => {
    const owner = await signup(G(), "owner");
    const org = await createOrg(G(), owner.token, "Guarded");
    for (const url of [
      "https://127.0.0.1/x",
      "https://10.0.0.5/",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/",
      "https://localhost/", // a name, resolved before saving: loopback
      "http://example.com/", // https is required, before any DNS
    ]) {
      const res = await create(G(), org.id, owner.token, { url, events: ["*"] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe("url_not_allowed");
    }
    const made = await create(G(), org.id, owner.token, { url: PUBLIC_URL, events: QUIET });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const path = `${hooks(org.id)}/${made.body.webhook.id}`;
    const patched = await call(G(), "PATCH", path, { token: owner.token, body: { url: "https://10.0.0.5/" } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe("url_not_allowed");
    expect((await call(G(), "GET", path, { token: owner.token })).body.url).toBe(PUBLIC_URL);
  });

  it("validates bodies with 400 invalid_request and accepts *, families and exact types", async () => {
    const owner = await signup(G(), "owner");
    const org = await createOrg(G(), owner.token, "Validation");
    for (const body of [
      { url: PUBLIC_URL, events: [] },
      { url: PUBLIC_URL, events: ["nope.*"] },
      { url: PUBLIC_URL, events: ["member.bogus"] },
      { url: "ftp://x", events: ["*"] },
      { url: PUBLIC_URL, events: ["*"], secret: "mine" },
    ]) {
      const res = await create(G(), org.id, owner.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code, JSON.stringify(body)).toBe("invalid_request");
    }
    for (const events of [["*"], ["member.*", "resource.created"]]) {
      // Deleted at once: these filters would match later events and send them to a real address.
      const res = await create(G(), org.id, owner.token, { url: PUBLIC_URL, events });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.webhook.events).toEqual(events);
      expect(
        (await call(G(), "DELETE", `${hooks(org.id)}/${res.body.webhook.id}`, { token: owner.token })).status,
      ).toBe(204);
    }
    const id = (await create(G(), org.id, owner.token, { url: PUBLIC_URL, events: QUIET })).body.webhook.id;
    const empty = await call(G(), "PATCH", `${hooks(org.id)}/${id}`, { token: owner.token, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("invalid_request");
    const replay = await call(G(), "POST", `${hooks(org.id)}/${id}/replay`, { token: owner.token, body: { since: 0 } });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe("invalid_request");
  });
});

describe("webhooks API (WEBHOOK_ALLOW_PRIVATE=true)", () => {
  it("creates with a secret shown once: never in list, get or the event log", async () => {
    const owner = await signup(O(), "owner");
    const org = await createOrg(O(), owner.token, "Create");
    const res = await create(O(), org.id, owner.token, { url: LOCAL_URL, events: QUIET, description: "ci" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { webhook, secret } = res.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const created = (await eventLog(O(), org.id, owner.token)).find((e) => e.type === "webhook.created");
    expect(created).toMatchObject({
      target: { type: "webhook", id: webhook.id },
      data: { url: LOCAL_URL, events: QUIET },
    });
    expect(webhook).toEqual({
      id: expect.any(String),
      url: LOCAL_URL,
      events: QUIET,
      description: "ci",
      enabled: true,
      disabledReason: null,
      deliveredSeq: created!.seq,
      failingSince: null,
      createdAt: expect.any(String),
    });
    const list = await call(O(), "GET", hooks(org.id), { token: owner.token });
    expect(list.body.items).toEqual([webhook]);
    const one = await call(O(), "GET", `${hooks(org.id)}/${webhook.id}`, { token: owner.token });
    expect(one.body).toEqual(webhook);
    for (const body of [list.body, one.body, await eventLog(O(), org.id, owner.token)]) {
      expect(JSON.stringify(body)).not.toContain(secret);
    }
  });

  it("is for owners and owner-role keys: 403 for editors, viewers and editor keys, 404 for outsiders", async () => {
    const owner = await signup(O(), "owner");
    const org = await createOrg(O(), owner.token, "Roles");
    const id = (await create(O(), org.id, owner.token, { url: LOCAL_URL, events: QUIET })).body.webhook.id;
    const seq = await headSeq(O(), org.id, owner.token);
    const one = `${hooks(org.id)}/${id}`;
    const requests: [string, string, unknown?][] = [
      ["GET", hooks(org.id)],
      ["POST", hooks(org.id), { url: LOCAL_URL, events: QUIET }],
      ["GET", one],
      ["PATCH", one, { description: "x" }],
      ["DELETE", one],
      ["GET", `${one}/deliveries`],
      ["POST", `${one}/replay`, { since: seq }],
    ];
    const expectAll = async (token: string, status: number, who: string) => {
      for (const [method, path, body] of requests) {
        const res = await call(O(), method, path, { token, body });
        expect(res.status, `${who} ${method} ${path}`).toBe(status);
      }
    };
    for (const role of ["editor", "viewer"] as const) {
      const member = await signup(O(), role);
      await addMember(O().db, org.id, member.user.id, role);
      await expectAll(member.token, 403, role);
    }
    await expectAll((await signup(O(), "outsider")).token, 404, "outsider");
    // Nothing of the above went through.
    expect((await call(O(), "GET", one, { token: owner.token })).body.description).toBeNull();

    const key = async (role: string) =>
      (await call(O(), "POST", `/v1/orgs/${org.id}/api-keys`, { token: owner.token, body: { name: role, role } })).body
        .secret as string;
    const ownerKey = await key("owner");
    expect((await call(O(), "GET", hooks(org.id), { token: ownerKey })).status).toBe(200);
    expect((await create(O(), org.id, ownerKey, { url: LOCAL_URL, events: QUIET })).status).toBe(201);
    const editorKey = await key("editor");
    expect((await call(O(), "GET", hooks(org.id), { token: editorKey })).status).toBe(403);
    expect((await create(O(), org.id, editorKey, { url: LOCAL_URL, events: QUIET })).status).toBe(403);
  });

  it("records webhook.created/updated/replayed/deleted, owner-only, naming changed fields", async () => {
    const owner = await signup(O(), "owner");
    const editor = await signup(O(), "editor");
    const org = await createOrg(O(), owner.token, "Events");
    await addMember(O().db, org.id, editor.user.id, "editor");
    const id = (await create(O(), org.id, owner.token, { url: LOCAL_URL, events: QUIET })).body.webhook.id;
    const one = `${hooks(org.id)}/${id}`;
    const webhookEvents = async (token: string) =>
      (await eventLog(O(), org.id, token)).filter((e) => e.type.startsWith("webhook."));

    const url = "http://127.0.0.1:10/";
    const changed = await call(O(), "PATCH", one, { token: owner.token, body: { url, description: "d" } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ url, description: "d" });
    // The same values again: 200, and nothing recorded.
    const before = (await webhookEvents(owner.token)).length;
    const same = await call(O(), "PATCH", one, { token: owner.token, body: { url, description: "d", enabled: true } });
    expect(same.status).toBe(200);
    expect(await webhookEvents(owner.token)).toHaveLength(before);

    const since = await headSeq(O(), org.id, owner.token);
    expect((await call(O(), "POST", `${one}/replay`, { token: owner.token, body: { since } })).status).toBe(200);
    expect((await call(O(), "DELETE", one, { token: owner.token })).status).toBe(204);

    const log = await webhookEvents(owner.token);
    expect(log.map((e) => e.type)).toEqual([
      "webhook.created",
      "webhook.updated",
      "webhook.replayed",
      "webhook.deleted",
    ]);
    expect(log.every((e) => e.target.id === id)).toBe(true);
    expect(log[1]!.data).toEqual({ url, events: QUIET, enabled: true, fields: ["url", "description"] });
    expect(log[2]!.data).toEqual({ url, since });
    expect(log[3]!.data).toEqual({ url });
    // Editors read the log, but not these: they carry the endpoints' URLs.
    const editorLog = await eventLog(O(), org.id, editor.token);
    expect(editorLog.length).toBeGreaterThan(0);
    expect(editorLog.filter((e) => e.type.startsWith("webhook."))).toEqual([]);
  });

  it("caps an org at 20, answers 404 for unknown or foreign ids, 400 for a replay past the head", async () => {
    const owner = await signup(O(), "owner");
    const org = await createOrg(O(), owner.token, "Limits");
    const other = await createOrg(O(), owner.token, "Other");
    for (let i = 0; i < 20; i++) {
      expect((await create(O(), org.id, owner.token, { url: LOCAL_URL, events: QUIET })).status).toBe(201);
    }
    const full = await create(O(), org.id, owner.token, { url: LOCAL_URL, events: QUIET });
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe("conflict");

    const foreign = (await create(O(), other.id, owner.token, { url: LOCAL_URL, events: QUIET })).body.webhook.id;
    for (const id of [randomUUID(), foreign]) {
      const one = `${hooks(org.id)}/${id}`;
      expect((await call(O(), "GET", one, { token: owner.token })).status, id).toBe(404);
      expect((await call(O(), "PATCH", one, { token: owner.token, body: { description: "x" } })).status, id).toBe(404);
      expect((await call(O(), "DELETE", one, { token: owner.token })).status, id).toBe(404);
    }
    // The foreign one is untouched.
    const kept = await call(O(), "GET", `${hooks(other.id)}/${foreign}`, { token: owner.token });
    expect(kept.body.description).toBeNull();

    const path = `${hooks(other.id)}/${foreign}`;
    const head = await headSeq(O(), other.id, owner.token);
    const past = await call(O(), "POST", `${path}/replay`, { token: owner.token, body: { since: head + 1 } });
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe("invalid_request");
    expect((await call(O(), "DELETE", path, { token: owner.token })).status).toBe(204);
    expect((await call(O(), "GET", path, { token: owner.token })).status).toBe(404);
  });

  /** An org with a webhook on a live receiver for org.updated, and a way to rename the org. */
  async function hookedOrg(name: string) {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const owner = await signup(O(), "owner");
    const org = await createOrg(O(), owner.token, name);
    const res = await create(O(), org.id, owner.token, { url: receiver.url, events: ["org.updated"] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    receiver.secret = res.body.secret;
    const path = `${hooks(org.id)}/${res.body.webhook.id}`;
    const get = async () => (await call(O(), "GET", path, { token: owner.token })).body;
    const rename = async (n: number) => {
      expect(
        (await call(O(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `${name} ${n}` } })).status,
      ).toBe(200);
    };
    /** The seqs of the org.updated events so far. */
    const renames = async () =>
      (await eventLog(O(), org.id, owner.token)).filter((e) => e.type === "org.updated").map((e) => e.seq);
    return { receiver, owner, org, path, get, rename, renames };
  }

  it("replays from a seq: the cursor moves back and the same events arrive again, listed as deliveries", async () => {
    const { receiver, owner, org, path, get, rename, renames } = await hookedOrg("Replay");
    for (let i = 1; i <= 3; i++) await rename(i);
    const seqs = await renames();
    expect(seqs).toHaveLength(3);
    const head = await headSeq(O(), org.id, owner.token);
    await until(async () => (await get()).deliveredSeq === head, "the cursor to reach the head");
    await receiver.waitFor(() => receiver.arrivals.length >= 3, 5_000);
    expect(receiver.arrivals.map((a) => a.seq)).toEqual(seqs);

    const replay = await call(O(), "POST", `${path}/replay`, { token: owner.token, body: { since: seqs[0] } });
    expect(replay.status).toBe(200);
    expect(replay.body.deliveredSeq).toBe(seqs[0]! - 1);
    await receiver.waitFor(() => receiver.arrivals.length >= 6, 10_000);
    const [first, again] = [receiver.arrivals.slice(0, 3), receiver.arrivals.slice(3)];
    expect(again.map((a) => a.seq)).toEqual(seqs);
    // Same events, so the same webhook-id headers: receivers can deduplicate.
    expect(again.map((a) => a.id)).toEqual(first.map((a) => a.id));
    expect(receiver.badSignatures).toBe(0);

    const deliveries = `${path}/deliveries`;
    let all: any[] = [];
    await until(async () => {
      all = (await call(O(), "GET", `${deliveries}?limit=100`, { token: owner.token })).body.items;
      return all.length >= 6;
    }, "six deliveries to be listed");
    expect(all).toHaveLength(6);
    expect(all.map((d) => d.seq)).toEqual([...seqs].reverse().concat([...seqs].reverse()));
    for (const d of all) {
      expect(d).toMatchObject({ status: "succeeded", responseCode: 200, eventType: "org.updated", error: null });
    }
    const times = all.map((d) => Date.parse(d.attemptedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // Keyset pages of 2: a cursor while more remain, then the rest, no overlap.
    const paged: any[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await call(O(), "GET", `${deliveries}${query}`, { token: owner.token });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (paged.length < 6) expect(cursor).toEqual(expect.any(String));
    } while (cursor);
    expect(paged.map((d) => d.id)).toEqual(all.map((d) => d.id));
  });

  it("turned off by the owner sends nothing; turned back on, the missed events arrive in order", async () => {
    const { receiver, owner, org, path, get, rename, renames } = await hookedOrg("Pause");
    await rename(1);
    await receiver.waitFor(() => receiver.arrivals.length >= 1, 10_000);
    const head = await headSeq(O(), org.id, owner.token);
    await until(async () => (await get()).deliveredSeq === head, "the cursor to reach the head");

    const off = await call(O(), "PATCH", path, { token: owner.token, body: { enabled: false } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, disabledReason: "owner" });
    for (let i = 2; i <= 4; i++) await rename(i);
    await sleep(500);
    expect(receiver.arrivals).toHaveLength(1);

    const on = await call(O(), "PATCH", path, { token: owner.token, body: { enabled: true } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null });
    await receiver.waitFor(() => receiver.arrivals.length >= 4, 10_000);
    expect(receiver.arrivals.map((a) => a.seq)).toEqual(await renames());
    expect(receiver.badSignatures).toBe(0);
  });
});
