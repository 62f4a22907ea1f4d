import { describe, expect, it } from "vitest";
import { loadConfig } from "../server/config.js";
import { call, createOrg, signup, type Target } from "./support/api.js";
import { handshakeError, record, sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

/** Idle lifetime 2 s, absolute 4 s: the touch interval is then 0.5 s (a quarter of the idle one). */
const LIFETIMES = { SESSION_IDLE_TIMEOUT_SECONDS: "2", SESSION_MAX_AGE_SECONDS: "4" };
const IDLE_MS = 2_000;
const MAX_AGE_MS = 4_000;

const me = (target: Target, token: string) => call(target, "GET", "/v1/me", { token });

/**
 * Signs up. The session's created_at (and first last_seen_at) lies between `before` and
 * `createdBy`, so bounds taken from them hold however slow the machine is.
 */
async function freshSession(target: Target, label: string) {
  const before = Date.now();
  const user = await signup(target, label);
  return { ...user, before, createdBy: Date.now() };
}

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`${what} did not happen within ${ms} ms`);
    }),
  ]);
}

/** Uses the session over HTTP every 600 ms (more than the touch interval) until `until`. */
async function keepUsing(target: Target, token: string, until: () => boolean) {
  const uses: { status: number; at: number }[] = [];
  while (!until()) {
    const status = (await me(target, token)).status;
    uses.push({ status, at: Date.now() });
    await sleep(600);
  }
  return uses;
}

describe.concurrent("session lifetimes", () => {
  it("defaults to 14 days idle, 30 days absolute, a sweep a minute", () => {
    expect(loadConfig({})).toMatchObject({
      SESSION_IDLE_TIMEOUT_SECONDS: 14 * 86_400,
      SESSION_MAX_AGE_SECONDS: 30 * 86_400,
      SESSION_SWEEP_MS: 60_000,
    });
  });

  describe.concurrent("token lookups (the sweep is off: an hour apart)", () => {
    const cluster = useCluster(1, { ...LIFETIMES, SESSION_SWEEP_MS: "3600000" });
    const node = () => cluster.nodes[0]!;

    it("refuses a session unused for the idle lifetime, over HTTP and at the socket handshake", async () => {
      const a = await freshSession(node(), "idle");
      const org = await createOrg(node(), a.token);
      expect((await me(node(), a.token)).status).toBe(200);
      await sleep(IDLE_MS + 300);
      const res = await me(node(), a.token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthenticated");
      expect(await handshakeError(node().url, org.id, a.token)).toBe("unauthenticated");
    });

    it("keeps a used session alive past the idle lifetime, until the absolute age", async () => {
      const a = await freshSession(node(), "busy");
      const org = await createOrg(node(), a.token);
      const uses = await keepUsing(node(), a.token, () => Date.now() > a.before + MAX_AGE_MS - 700);
      expect(uses.map((u) => u.status).every((s) => s === 200)).toBe(true);
      // Answered 200 after the idle lifetime had passed since login: use kept it alive.
      expect(Math.max(...uses.map((u) => u.at))).toBeGreaterThan(a.createdBy + IDLE_MS);
      await sleep(a.createdBy + MAX_AGE_MS + 200 - Date.now());
      expect((await me(node(), a.token)).status).toBe(401);
      expect(await handshakeError(node().url, org.id, a.token)).toBe("unauthenticated");
    });
  });

  describe.concurrent("the sweep, on two nodes", () => {
    const cluster = useCluster(2, { ...LIFETIMES, SESSION_SWEEP_MS: "200" });
    const [A, B] = [() => cluster.nodes[0]!, () => cluster.nodes[1]!];

    it("revokes a used session's sockets on every node at its absolute age", async () => {
      const a = await freshSession(A(), "sockets");
      const org = await createOrg(A(), a.token);
      const onA = record(A().url, org.id, a.token);
      const onB = record(B().url, org.id, a.token);
      await Promise.all([onA.ready, onB.ready]);
      const revokedAt = Promise.all([onA.revoked, onB.revoked]).then((r) => ({ r, at: Date.now() }));
      let revoked = false;
      void revokedAt.then(() => {
        revoked = true;
      });
      // HTTP use on both nodes keeps the idle lifetime from ending it first.
      const uses = await keepUsing(B(), a.token, () => revoked || Date.now() > a.createdBy + MAX_AGE_MS + 2_000);
      const { r, at } = await within(revokedAt, 1_000, "revocation of both sockets");
      expect(r).toEqual([
        { orgId: org.id, reason: "session_revoked" },
        { orgId: org.id, reason: "session_revoked" },
      ]);
      // Not before the absolute age: the idle lifetime did not end it (it was used all along).
      expect(at).toBeGreaterThanOrEqual(a.before + MAX_AGE_MS);
      // Every use before the absolute age was answered.
      expect(uses.filter((u) => u.at < a.before + MAX_AGE_MS).every((u) => u.status === 200)).toBe(true);
      await Promise.all([onA.disconnected, onB.disconnected]);
      expect((await me(A(), a.token)).status).toBe(401);
    });

    it("revokes the sockets of a session unused over HTTP at its idle lifetime (an open socket is not use)", async () => {
      const a = await freshSession(A(), "tab");
      const org = await createOrg(A(), a.token);
      const onB = record(B().url, org.id, a.token);
      await onB.ready;
      expect(await within(onB.revoked, MAX_AGE_MS, "revocation")).toEqual({ orgId: org.id, reason: "session_revoked" });
      // Ended by the idle lifetime: not before it, and before the absolute age could.
      expect(Date.now()).toBeGreaterThanOrEqual(a.before + IDLE_MS);
      expect(Date.now()).toBeLessThan(a.before + MAX_AGE_MS);
      await onB.disconnected;
    });
  });
});
