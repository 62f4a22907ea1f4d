import { describe, expect, it } from "vitest";
import { call, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1, { LOGIN_MAX_FAILURES: "3" });
const node = () => cluster.nodes[0]!;

describe("accounts", () => {
  it("signs up, logs in, reads /me and logs out", async () => {
    const a = await signup(node(), "ann");
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const login = await call(node(), "POST", "/v1/auth/login", {
      body: { email: a.email.toUpperCase(), password: "correct horse battery" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(a.user.id);
    const me = await call(node(), "GET", "/v1/me", { token: login.body.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: a.user, orgs: [], mfaEnabled: false });
    expect((await call(node(), "POST", "/v1/auth/logout", { token: login.body.token })).status).toBe(204);
    expect((await call(node(), "GET", "/v1/me", { token: login.body.token })).status).toBe(401);
    // The other session still works: logout revokes only its own.
    expect((await call(node(), "GET", "/v1/me", { token: a.token })).status).toBe(200);
  });

  it("stores only hashes of passwords and tokens", async () => {
    const a = await signup(node(), "hash");
    const user = await node().db.selectFrom("users").selectAll().where("id", "=", a.user.id).executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    const sessions = await node().db.selectFrom("sessions").selectAll().where("user_id", "=", a.user.id).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.token_hash).not.toContain(a.token);
    expect(sessions[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("answers the same 401 for an unknown email and a wrong password", async () => {
    const a = await signup(node(), "same401");
    const wrong = await call(node(), "POST", "/v1/auth/login", {
      body: { email: a.email, password: "wrong password!" },
    });
    const unknown = await call(node(), "POST", "/v1/auth/login", {
      body: { email: "nobody-at-all@example.com", password: "wrong password!" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe("unauthenticated");
  });

  it("rate limits failed logins per account with Retry-After", async () => {
    const a = await signup(node(), "limited");
    for (let i = 0; i < 3; i++) {
      const res = await call(node(), "POST", "/v1/auth/login", {
        body: { email: a.email, password: "wrong password!" },
      });
      expect(res.status).toBe(401);
    }
    const blocked = await call(node(), "POST", "/v1/auth/login", {
      body: { email: a.email, password: "correct horse battery" },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("refuses a duplicate email with 409 and a short password with 400", async () => {
    const a = await signup(node(), "dup");
    const dup = await call(node(), "POST", "/v1/auth/signup", {
      body: { email: a.email, password: "another password", name: "x" },
    });
    expect(dup.status).toBe(409);
    const short = await call(node(), "POST", "/v1/auth/signup", {
      body: { email: "short@example.com", password: "123456789", name: "x" },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe("invalid_request");
  });

  it("refuses unknown, malformed and revoked tokens with 401", async () => {
    for (const token of ["nope", "x".repeat(600)]) {
      const res = await call(node(), "GET", "/v1/me", { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthenticated");
    }
    expect((await call(node(), "GET", "/v1/me")).status).toBe(401);
  });
});
