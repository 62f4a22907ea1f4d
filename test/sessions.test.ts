import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgwireNode } from "../server/node.js";
import { call, createOrg, signup, type Target, type TestUser } from "./support/api.js";
import { type DelayProxy, startDelayProxy } from "./support/delay-proxy.js";
import { login, PASSWORD, TEST_MFA_KEY } from "./support/mfa.js";
import { startTestNode } from "./support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";
import { handshakeError, type Recorder, record } from "./support/sockets.js";

const MAX_FAILURES = 3;
/** How long node B hears nothing from Redis in the tests that check the acknowledgement. */
const HOLD_MS = 400;

/**
 * Two nodes on one Postgres and one Redis; node B reaches Redis through a proxy that can hold its
 * answers back (a slow link), so a call on node A that answered before B acknowledged would be
 * caught with B's sockets still connected.
 */
const nodes: (OrgwireNode & { url: string })[] = [];
let proxy: DelayProxy;
let dropDatabase: (() => Promise<void>) | undefined;
beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  proxy = await startDelayProxy(REDIS_URL);
  const env = {
    DATABASE_URL: database.url,
    REDIS_PREFIX: uniquePrefix(),
    MFA_ENCRYPTION_KEY: TEST_MFA_KEY,
    LOGIN_MAX_FAILURES: String(MAX_FAILURES),
  };
  nodes.push(await startTestNode({ ...env, REDIS_URL, NODE_ID: "node-a" }));
  nodes.push(await startTestNode({ ...env, REDIS_URL: proxy.url, NODE_ID: "node-b" }));
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await proxy?.close();
  await dropDatabase?.();
});

/** Over the network, so sessions record a real client address. */
const A = (): Target & { url: string } => ({ url: nodes[0]!.url });
const B = (): Target & { url: string } => ({ url: nodes[1]!.url });

/**
 * `action` with node B deaf to Redis for HOLD_MS; the answer, how long it took, and what was true
 * the moment it arrived.
 */
async function withBHeldBack<T>(action: () => Promise<T>, atAnswer: () => unknown) {
  proxy.hold();
  const timer = setTimeout(() => proxy.release(), HOLD_MS);
  const started = performance.now();
  try {
    const result = await action();
    return { result, ms: performance.now() - started, seen: atAnswer() };
  } finally {
    clearTimeout(timer);
    proxy.release();
  }
}

const sessions = async (target: Target, token: string) => {
  const res = await call(target, "GET", "/v1/me/sessions", { token });
  expect(res.status).toBe(200);
  return res.body.items as {
    id: string;
    current: boolean;
    createdAt: string;
    lastSeenAt: string;
    ip: string | null;
    userAgent: string | null;
  }[];
};

/** The id of the session behind `token`. */
const sessionIdOf = async (token: string) => (await sessions(A(), token)).find((s) => s.current)!.id;

/** Sockets of `sessionId` still attached on either node (read from the nodes themselves). */
const liveSocketsOfSession = (sessionId: string) =>
  nodes.flatMap((n) =>
    [...n.io._nsps.values()].flatMap((nsp) =>
      [...nsp.sockets.values()].filter((s) => s.data.actor?.type === "user" && s.data.actor.sessionId === sessionId),
    ),
  );

/** Another session of `user`, opened on `target` with a user agent of its own. */
async function anotherSession(target: Target, user: TestUser, userAgent: string): Promise<string> {
  const res = await login(target, user.email, PASSWORD, { "user-agent": userAgent });
  expect(res.status).toBe(200);
  return res.body.token;
}

const revokedAsSession = (orgId: string) => ({ orgId, reason: "session_revoked" });

/** The `revoked` notices a socket received so far (one, once its access ended). */
const received = (s: Recorder) => s.log.map(([name]) => name).filter((name) => name === "revoked");

describe.concurrent("sessions on two nodes", () => {
  it("lists the account's live sessions: when, from where, and which one is asking", async () => {
    const a = await signup(A(), "lister");
    const second = await anotherSession(B(), a, "orgwire-test/2.0 (second)");
    const list = await sessions(A(), a.token);
    expect(list).toHaveLength(2);
    const [first, other] = list as [(typeof list)[0], (typeof list)[0]];
    expect(first).toMatchObject({ current: true, ip: "127.0.0.1" });
    expect(other).toMatchObject({ current: false, ip: "127.0.0.1", userAgent: "orgwire-test/2.0 (second)" });
    for (const s of list) {
      expect(Date.parse(s.createdAt)).toBeLessThanOrEqual(Date.parse(s.lastSeenAt));
      expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The same list from the other session, on the other node: `current` follows the asker.
    const fromSecond = await sessions(B(), second);
    expect(fromSecond.map((s) => [s.id, s.current])).toEqual([
      [first.id, false],
      [other.id, true],
    ]);
    // Another account sees only its own.
    const b = await signup(B(), "other-account");
    expect((await sessions(B(), b.token)).map((s) => s.current)).toEqual([true]);
    // Paged like every list.
    const page = await call(A(), "GET", "/v1/me/sessions?limit=1", { token: a.token });
    expect(page.body.items.map((s: { id: string }) => s.id)).toEqual([first.id]);
    const next = await call(A(), "GET", `/v1/me/sessions?limit=1&cursor=${page.body.nextCursor}`, { token: a.token });
    expect(next.body).toEqual({ items: [expect.objectContaining({ id: other.id })], nextCursor: null });
  });

  it("answers 404 for another account's session and leaves it alone", async () => {
    const a = await signup(A(), "victim");
    const org = await createOrg(A(), a.token);
    const socket = record(B().url, org.id, a.token);
    await socket.ready;
    const mallory = await signup(B(), "mallory");
    const res = await call(B(), "DELETE", `/v1/me/sessions/${await sessionIdOf(a.token)}`, { token: mallory.token });
    expect([res.status, res.body.error.code, res.body.error.message]).toEqual([404, "not_found", "session not found"]);
    expect((await call(A(), "GET", "/v1/me", { token: a.token })).status).toBe(200);
    expect(socket.socket.connected).toBe(true);
    socket.close();
  });

  it("revoking the current session is a logout", async () => {
    const a = await signup(A(), "self");
    const org = await createOrg(A(), a.token);
    const socket = record(B().url, org.id, a.token);
    await socket.ready;
    const res = await call(A(), "DELETE", `/v1/me/sessions/${await sessionIdOf(a.token)}`, { token: a.token });
    expect(res.status).toBe(204);
    expect(await socket.revoked).toEqual(revokedAsSession(org.id));
    expect((await call(A(), "GET", "/v1/me", { token: a.token })).status).toBe(401);
  });

  it("refuses a wrong current password with 403 (the session is fine) and counts it toward the login limit", async () => {
    const a = await signup(A(), "guesser");
    const other = await anotherSession(B(), a, "other");
    const change = (currentPassword: string) =>
      call(A(), "POST", "/v1/me/password", { token: a.token, body: { currentPassword, newPassword: "whatever long" } });
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await change("not the password");
      expect([res.status, res.body.error.code], `attempt ${i + 1}`).toEqual([403, "invalid_credentials"]);
    }
    const blocked = await change(PASSWORD);
    expect([blocked.status, blocked.body.error.code]).toEqual([429, "rate_limited"]);
    expect((await login(B(), a.email)).status).toBe(429);
    // Nothing changed: both sessions live, the password is the old one.
    for (const token of [a.token, other]) expect((await call(B(), "GET", "/v1/me", { token })).status).toBe(200);
  });
});

// One at a time: each holds node B's link to Redis.
describe("revocations on two nodes, acknowledged before the answer", () => {
  it("revoking a session from the list disconnects its sockets on both nodes before the answer", async () => {
    const a = await signup(A(), "revoker");
    const org = await createOrg(A(), a.token);
    const phone = await anotherSession(B(), a, "phone");
    const phoneId = await sessionIdOf(phone);
    const phoneSockets = [record(A().url, org.id, phone), record(B().url, org.id, phone)];
    const mine = [record(A().url, org.id, a.token), record(B().url, org.id, a.token)];
    await Promise.all([...phoneSockets, ...mine].map((s) => s.ready));
    expect(liveSocketsOfSession(phoneId)).toHaveLength(2);

    const {
      result: res,
      ms,
      seen,
    } = await withBHeldBack(
      () => call(A(), "DELETE", `/v1/me/sessions/${phoneId}`, { token: a.token }),
      () => ({ live: liveSocketsOfSession(phoneId).length, received: phoneSockets.map(received) }),
    );
    expect(res.status).toBe(204);
    // By the time the answer arrived neither node held a socket of that session, and both sockets
    // had been told why...
    expect(seen).toEqual({ live: 0, received: [["revoked"], ["revoked"]] });
    // ...because node A waited for node B, which heard of the revocation only after the hold.
    expect(ms).toBeGreaterThanOrEqual(HOLD_MS - 50);
    for (const s of phoneSockets) {
      expect(await s.revoked).toEqual(revokedAsSession(org.id));
      expect(await s.disconnected).toBe("io server disconnect");
    }
    // The token is dead everywhere; the caller's own session and sockets are not touched.
    expect((await call(B(), "GET", "/v1/me", { token: phone })).status).toBe(401);
    expect(await handshakeError(B().url, org.id, phone)).toBe("unauthenticated");
    expect(mine.every((s) => s.socket.connected)).toBe(true);
    expect((await sessions(B(), a.token)).map((s) => s.current)).toEqual([true]);
    // Already revoked: 404, like a session that is not yours.
    const again = await call(B(), "DELETE", `/v1/me/sessions/${phoneId}`, { token: a.token });
    expect([again.status, again.body.error.code]).toEqual([404, "not_found"]);
    for (const s of mine) s.close();
  });

  it("a password change revokes every other session on both nodes before the answer; the current one lives on", async () => {
    const a = await signup(A(), "changer");
    const org = await createOrg(A(), a.token);
    const laptop = await anotherSession(A(), a, "laptop");
    const phone = await anotherSession(B(), a, "phone");
    const [laptopId, phoneId] = [await sessionIdOf(laptop), await sessionIdOf(phone)];
    const others: Recorder[] = [
      record(A().url, org.id, laptop),
      record(B().url, org.id, laptop),
      record(B().url, org.id, phone),
    ];
    const mine = [record(A().url, org.id, a.token), record(B().url, org.id, a.token)];
    await Promise.all([...others, ...mine].map((s) => s.ready));

    // On node A this time, so that node B (held back) hears of it late.
    const {
      result: res,
      ms,
      seen,
    } = await withBHeldBack(
      () =>
        call(A(), "POST", "/v1/me/password", {
          token: a.token,
          body: { currentPassword: PASSWORD, newPassword: "a new and longer password" },
        }),
      () => ({
        live: [...liveSocketsOfSession(laptopId), ...liveSocketsOfSession(phoneId)].length,
        received: others.map(received),
      }),
    );
    expect(res.status).toBe(204);
    expect(seen).toEqual({ live: 0, received: [["revoked"], ["revoked"], ["revoked"]] });
    expect(ms).toBeGreaterThanOrEqual(HOLD_MS - 50);
    for (const s of others) expect(await s.revoked).toEqual(revokedAsSession(org.id));
    for (const token of [laptop, phone]) expect((await call(A(), "GET", "/v1/me", { token })).status).toBe(401);

    // The current session: its token works, its sockets stay and still receive events.
    expect((await call(A(), "GET", "/v1/me", { token: a.token })).status).toBe(200);
    expect((await sessions(A(), a.token)).map((s) => s.current)).toEqual([true]);
    const renamed = await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: a.token, body: { name: "Renamed" } });
    expect(renamed.status).toBe(200);
    for (const s of mine) {
      await s.waitForSeq(2);
      expect(s.socket.connected).toBe(true);
      expect(s.log.map(([name]) => name)).not.toContain("revoked");
      s.close();
    }
    // The old password no longer logs in; the new one does.
    expect((await login(A(), a.email)).status).toBe(401);
    expect((await login(B(), a.email, "a new and longer password")).status).toBe(200);
  });
});
