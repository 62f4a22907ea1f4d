import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgwireNode } from "../server/node.js";
import { call, signup, type Target } from "./support/api.js";
import { startTestNode } from "./support/nodes.js";
import { createTestDatabase } from "./support/services.js";
import { useCluster } from "./support/suite.js";

const WRONG = { password: "wrong password!" };
const RIGHT = { password: "correct horse battery" };

/** `count` logins at once, spread round robin over `targets`; the statuses, sorted. */
async function concurrentLogins(targets: Target[], email: string, count: number, password = WRONG.password) {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      call(targets[i % targets.length]!, "POST", "/v1/auth/login", { body: { email, password } }),
    ),
  );
  return results.map((r) => r.status);
}

const tally = (statuses: number[]) => ({
  401: statuses.filter((s) => s === 401).length,
  429: statuses.filter((s) => s === 429).length,
  other: statuses.filter((s) => s !== 401 && s !== 429).length,
});

describe("login failure limit on two nodes sharing Redis", () => {
  // LOGIN_MAX_FAILURES left at its default (10).
  const cluster = useCluster(2);

  it("checks at most LOGIN_MAX_FAILURES passwords out of 120 concurrent attempts", async () => {
    const max = cluster.nodes[0]!.config.LOGIN_MAX_FAILURES;
    const a = await signup(cluster.nodes[0]!, "burst");
    const statuses = await concurrentLogins(cluster.nodes, a.email, 120);
    expect(tally(statuses)).toEqual({ 401: max, 429: 120 - max, other: 0 });
    // The window is used up for the account: the right password is refused too.
    const right = await call(cluster.nodes[1]!, "POST", "/v1/auth/login", { body: { email: a.email, ...RIGHT } });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("does not count successful logins as failures", async () => {
    const max = cluster.nodes[0]!.config.LOGIN_MAX_FAILURES;
    const a = await signup(cluster.nodes[0]!, "good");
    // More successes than the limit, alternating nodes: each gives its attempt back. (They run one
    // after the other: attempts in flight at the same time all count until they end.)
    for (let i = 0; i < max + 5; i++) {
      const ok = await call(cluster.nodes[i % 2]!, "POST", "/v1/auth/login", { body: { email: a.email, ...RIGHT } });
      expect(ok.status).toBe(200);
    }
    const statuses = await concurrentLogins(cluster.nodes, a.email, max + 5);
    expect(tally(statuses)).toEqual({ 401: max, 429: 5, other: 0 });
  });
});

describe("login failure limit on one node without Redis (in-memory counters)", () => {
  let node: OrgwireNode & { url: string };
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    node = await startTestNode({ DATABASE_URL: database.url, LOGIN_MAX_FAILURES: "5" });
  });
  afterAll(async () => {
    await node?.close();
    await drop?.();
  });

  it("checks at most LOGIN_MAX_FAILURES passwords out of 60 concurrent attempts", async () => {
    const a = await signup(node, "mem");
    expect(tally(await concurrentLogins([node], a.email, 60))).toEqual({ 401: 5, 429: 55, other: 0 });
    const right = await call(node, "POST", "/v1/auth/login", { body: { email: a.email, ...RIGHT } });
    expect(right.status).toBe(429);
  });

  it("gives a successful attempt back, keeping the failures around it", async () => {
    const a = await signup(node, "mixed");
    const login = (body: { password: string }) =>
      call(node, "POST", "/v1/auth/login", { body: { email: a.email, ...body } });
    for (let i = 0; i < 4; i++) expect((await login(WRONG)).status).toBe(401);
    expect((await login(RIGHT)).status).toBe(200);
    // The fifth failure is still allowed (the success was not counted), the sixth attempt is not.
    expect((await login(WRONG)).status).toBe(401);
    expect((await login(RIGHT)).status).toBe(429);
  });
});
