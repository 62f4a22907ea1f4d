import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { URI } from "otpauth";
import { describe, expect, it } from "vitest";
import { OrgwireClient, OrgwireError, RECOVERY_CODE_PATTERN } from "../client-sdk/src/index.js";
import { findTotp } from "../server/auth/mfa.repository.js";
import { createMfaCipher, MfaKeyMismatchError } from "../server/auth/totp.js";
import { call, createOrg, signup, type TestUser } from "./support/api.js";
import { badAccountInput, codeAt, enrol, login, loginMfa, PASSWORD, TEST_MFA_KEY, wrongCode } from "./support/mfa.js";
import { ROOT } from "./support/nodes.js";
import { useCluster } from "./support/suite.js";

const MAX_FAILURES = 5;
const cluster = useCluster(1, { MFA_ENCRYPTION_KEY: TEST_MFA_KEY, LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
const node = () => cluster.nodes[0]!;

const me = (token: string) => call(node(), "GET", "/v1/me", { token });

/** Logs in with the password and answers the challenge it gets. */
async function challengeFor(user: TestUser): Promise<string> {
  const res = await login(node(), user.email);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ mfaRequired: true, challenge: expect.any(String), expiresAt: expect.any(String) });
  expect(res.body.token).toBeUndefined();
  return res.body.challenge;
}

describe.concurrent("TOTP enrolment", () => {
  it("starts with a secret and an otpauth URL an app can read; MFA stays off until a code confirms it", async () => {
    const a = await signup(node(), "enrol");
    const start = await call(node(), "POST", "/v1/me/mfa/totp", { token: a.token });
    expect(start.status).toBe(200);
    const { secret, otpauthUrl } = start.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
    const parsed = URI.parse(otpauthUrl);
    expect(parsed).toMatchObject({ issuer: "Orgwire", label: a.email, algorithm: "SHA1", digits: 6, period: 30 });
    expect(parsed.secret.base32).toBe(secret);
    // Pending: login still gives a session, /me says MFA is off.
    expect((await login(node(), a.email)).body.token).toEqual(expect.any(String));
    expect((await me(a.token)).body.mfaEnabled).toBe(false);

    // A wrong code does not turn it on.
    const wrong = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
      token: a.token,
      body: { code: wrongCode(secret) },
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, "invalid_credentials"]);
    expect((await me(a.token)).body.mfaEnabled).toBe(false);

    const confirm = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
      token: a.token,
      body: { code: codeAt(secret) },
    });
    expect(confirm.status).toBe(200);
    const codes: string[] = confirm.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE_PATTERN);
    expect((await me(a.token)).body.mfaEnabled).toBe(true);

    // Once on: no second enrolment, no second confirmation.
    const again = await call(node(), "POST", "/v1/me/mfa/totp", { token: a.token });
    expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);
    const reconfirm = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
      token: a.token,
      body: { code: codeAt(secret, 1) },
    });
    expect([reconfirm.status, reconfirm.body.error.code]).toEqual([409, "conflict"]);
  });

  it("refuses a confirmation with no enrolment started, and replaces a pending secret when started again", async () => {
    const a = await signup(node(), "restart");
    const none = await call(node(), "POST", "/v1/me/mfa/totp/confirm", { token: a.token, body: { code: "123456" } });
    expect([none.status, none.body.error.code]).toEqual([409, "conflict"]);
    const first = (await call(node(), "POST", "/v1/me/mfa/totp", { token: a.token })).body.secret;
    const second = (await call(node(), "POST", "/v1/me/mfa/totp", { token: a.token })).body.secret;
    expect(second).not.toBe(first);
    // The first secret's code is refused (unless, one time in a few hundred thousand, it happens to
    // be a valid code of the second too).
    const stale = codeAt(first);
    if (![-1, 0, 1].some((step) => codeAt(second, step) === stale)) {
      const old = await call(node(), "POST", "/v1/me/mfa/totp/confirm", { token: a.token, body: { code: stale } });
      expect([old.status, old.body.error?.code]).toEqual([403, "invalid_credentials"]);
    }
    const ok = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
      token: a.token,
      body: { code: codeAt(second) },
    });
    expect(ok.status).toBe(200);
  });

  it("keeps the secret encrypted at rest (AES-256-GCM, bound to the user) under MFA_ENCRYPTION_KEY", async () => {
    const a = await signup(node(), "at-rest");
    const { secret } = await enrol(node(), a);
    const row = await findTotp(node().db, a.user.id);
    expect(row?.enabled_at).toBeInstanceOf(Date);
    const stored = row?.secret ?? "";
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString("base64url"));
    const cipher = createMfaCipher(Buffer.from(TEST_MFA_KEY, "hex"));
    expect(cipher.decrypt(stored, a.user.id)).toBe(secret);
    // Copied onto another user's row, or altered, it does not decrypt.
    expect(() => cipher.decrypt(stored, randomUUID())).toThrow();
    const parts = stored.split(".");
    const data = Buffer.from(parts[4]!, "base64url");
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => cipher.decrypt([...parts.slice(0, 4), data.toString("base64url")].join("."), a.user.id)).toThrow();
    // Another key is told apart from tampering, with a message that names the fix.
    const other = createMfaCipher(Buffer.alloc(32, 7));
    expect(() => other.decrypt(stored, a.user.id)).toThrow(MfaKeyMismatchError);
    expect(() => other.decrypt(stored, a.user.id)).toThrow(/MFA_ENCRYPTION_KEY/);
  });
});

describe.concurrent("login with MFA", () => {
  it("answers a challenge instead of a session; a code gives the session; the challenge and the code work once", async () => {
    const a = await signup(node(), "login");
    const { secret, recoveryCodes } = await enrol(node(), a);
    const challenge = await challengeFor(a);
    // The next step's code (the one used at confirmation is spent): accepted within the drift.
    const code = codeAt(secret, 1);
    const ok = await loginMfa(node(), { challenge, code });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ user: a.user, token: expect.any(String) });
    expect((await me(ok.body.token)).body.user.id).toBe(a.user.id);

    // The challenge is single-use, even with a valid recovery code.
    const reused = await loginMfa(node(), { challenge, recoveryCode: recoveryCodes[0]! });
    expect([reused.status, reused.body.error.code]).toEqual([401, "unauthenticated"]);
    // The code is accepted once: a fresh challenge with the same code is refused (no replay).
    const replay = await loginMfa(node(), { challenge: await challengeFor(a), code });
    expect([replay.status, replay.body.error.code]).toEqual([401, "unauthenticated"]);
    // So is any earlier step's code, valid as it still is by the clock.
    const earlier = await loginMfa(node(), { challenge: await challengeFor(a), code: codeAt(secret) });
    expect(earlier.status).toBe(401);
    // An unknown challenge.
    const unknown = await loginMfa(node(), { challenge: "A".repeat(43), code: codeAt(secret, 1) });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, "unauthenticated"]);
  });

  it("accepts each recovery code once, in any case and with or without dashes", async () => {
    const a = await signup(node(), "recovery");
    const { recoveryCodes } = await enrol(node(), a);
    const [first, second] = recoveryCodes as [string, string];
    const typed = first.replace(/-/g, "").toUpperCase();
    const ok = await loginMfa(node(), { challenge: await challengeFor(a), recoveryCode: typed });
    expect(ok.status).toBe(200);
    expect(typeof ok.body.token).toBe("string");
    const again = await loginMfa(node(), { challenge: await challengeFor(a), recoveryCode: first });
    expect([again.status, again.body.error.code]).toEqual([401, "unauthenticated"]);
    const next = await loginMfa(node(), { challenge: await challengeFor(a), recoveryCode: second.replace(/-/g, " ") });
    expect(next.status).toBe(200);
    // A recovery code of another account is nothing here.
    const b = await signup(node(), "recovery-b");
    const bCodes = (await enrol(node(), b)).recoveryCodes;
    const foreign = await loginMfa(node(), { challenge: await challengeFor(a), recoveryCode: bCodes[0]! });
    expect(foreign.status).toBe(401);
  });

  it("counts wrong codes toward the login limit: 429 after LOGIN_MAX_FAILURES, then even the right code and password", async () => {
    const a = await signup(node(), "limited");
    const { secret } = await enrol(node(), a);
    const challenge = await challengeFor(a); // a right password does not count
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await loginMfa(node(), { challenge, code: wrongCode(secret) });
      expect([res.status, res.body.error.code], `attempt ${i + 1}`).toEqual([401, "unauthenticated"]);
    }
    const blocked = await loginMfa(node(), { challenge, code: codeAt(secret, 1) });
    expect([blocked.status, blocked.body.error.code]).toEqual([429, "rate_limited"]);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await login(node(), a.email)).status).toBe(429);
  });

  it("counts wrong codes at confirmation and at turning off toward the same limit", async () => {
    const a = await signup(node(), "limited-me");
    const { secret } = (await call(node(), "POST", "/v1/me/mfa/totp", { token: a.token })).body;
    for (let i = 0; i < 3; i++) {
      const res = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
        token: a.token,
        body: { code: wrongCode(secret) },
      });
      expect(res.status).toBe(403);
    }
    const confirmed = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
      token: a.token,
      body: { code: codeAt(secret) },
    });
    expect(confirmed.status).toBe(200); // a right one does not count
    for (let i = 3; i < MAX_FAILURES; i++) {
      const res = await call(node(), "DELETE", "/v1/me/mfa/totp", {
        token: a.token,
        body: { code: wrongCode(secret) },
      });
      expect(res.status).toBe(403);
    }
    const blocked = await call(node(), "DELETE", "/v1/me/mfa/totp", {
      token: a.token,
      body: { code: codeAt(secret, 1) },
    });
    expect([blocked.status, blocked.body.error.code]).toEqual([429, "rate_limited"]);
    expect((await login(node(), a.email)).status).toBe(429);
    // The session itself is untouched by all this.
    expect((await me(a.token)).status).toBe(200);
  });

  it("turns off with a code or a recovery code; login then gives a session at once", async () => {
    const a = await signup(node(), "disable");
    const { secret } = await enrol(node(), a);
    const wrong = await call(node(), "DELETE", "/v1/me/mfa/totp", {
      token: a.token,
      body: { code: wrongCode(secret) },
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, "invalid_credentials"]);
    const pending = await challengeFor(a);
    const off = await call(node(), "DELETE", "/v1/me/mfa/totp", { token: a.token, body: { code: codeAt(secret, 1) } });
    expect(off.status).toBe(204);
    expect((await me(a.token)).body.mfaEnabled).toBe(false);
    expect(await findTotp(node().db, a.user.id)).toBeUndefined();
    // A login that was waiting for its code is over; a new one needs no code.
    expect((await loginMfa(node(), { challenge: pending, code: codeAt(secret, 1) })).status).toBe(401);
    expect((await login(node(), a.email)).body).toEqual({ user: a.user, token: expect.any(String) });
    const again = await call(node(), "DELETE", "/v1/me/mfa/totp", { token: a.token, body: { code: codeAt(secret) } });
    expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);

    const b = await signup(node(), "disable-rc");
    const { recoveryCodes } = await enrol(node(), b);
    const byRecovery = await call(node(), "DELETE", "/v1/me/mfa/totp", {
      token: b.token,
      body: { recoveryCode: recoveryCodes[9] },
    });
    expect(byRecovery.status).toBe(204);
    expect((await me(b.token)).body.mfaEnabled).toBe(false);
  });

  it("a password change ends the logins waiting for their code", async () => {
    const a = await signup(node(), "pw-challenge");
    const { secret } = await enrol(node(), a);
    const pending = await challengeFor(a);
    const changed = await call(node(), "POST", "/v1/me/password", {
      token: a.token,
      body: { currentPassword: PASSWORD, newPassword: "a brand new password" },
    });
    expect(changed.status).toBe(204);
    const res = await loginMfa(node(), { challenge: pending, code: codeAt(secret, 1) });
    expect([res.status, res.body.error.code]).toEqual([401, "unauthenticated"]);
  });
});

describe.concurrent("the /v1/me routes", () => {
  const routes = (sessionId: string) =>
    [
      ["POST", "/v1/me/mfa/totp", undefined],
      ["POST", "/v1/me/mfa/totp/confirm", { code: "123456" }],
      ["DELETE", "/v1/me/mfa/totp", { code: "123456" }],
      ["GET", "/v1/me/sessions", undefined],
      ["DELETE", `/v1/me/sessions/${sessionId}`, undefined],
      ["POST", "/v1/me/password", { currentPassword: PASSWORD, newPassword: "another long password" }],
    ] as const;

  it("need a user session: none is 401, an API key 403", async () => {
    const a = await signup(node(), "key-owner");
    const org = await createOrg(node(), a.token);
    const key = await call(node(), "POST", `/v1/orgs/${org.id}/api-keys`, {
      token: a.token,
      body: { name: "ci", role: "owner" },
    });
    expect(key.status).toBe(201);
    const sessionId = (await call(node(), "GET", "/v1/me/sessions", { token: a.token })).body.items[0].id;
    for (const [method, path, body] of routes(sessionId)) {
      const none = await call(node(), method, path, { body });
      expect(none.status, `${method} ${path}`).toBe(401);
      const res = await call(node(), method, path, { token: key.body.secret, body });
      expect([res.status, res.body.error.code], `${method} ${path}`).toEqual([403, "forbidden"]);
    }
    // Nothing happened: the session lives, the password is the same, MFA is off.
    expect((await me(a.token)).body.mfaEnabled).toBe(false);
    expect((await login(node(), a.email)).status).toBe(200);
  });

  it("refuse bad input with a clear 4xx, never a 5xx", async () => {
    const a = await signup(node(), "bad-input");
    const { secret } = (await call(node(), "POST", "/v1/me/mfa/totp", { token: a.token })).body;
    const challenge = "B".repeat(43);
    const probes = badAccountInput(challenge);
    for (const [method, path, body, status, field] of probes) {
      const res = await call(node(), method, path, { token: a.token, body });
      const label = `${method} ${path} ${JSON.stringify(body)}`;
      expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(typeof res.body.error.message, label).toBe("string");
      if (field) expect(res.body.error.details?.[0]?.path, label).toEqual([field]);
    }
    const malformed = await call(node(), "POST", "/v1/auth/login/mfa", {
      raw: '{"challenge": ',
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    const text = await call(node(), "DELETE", "/v1/me/mfa/totp", {
      token: a.token,
      raw: JSON.stringify({ code: "123456" }),
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    // None of it counted as a wrong code, nor turned anything on.
    expect((await me(a.token)).body.mfaEnabled).toBe(false);
    const confirm = await call(node(), "POST", "/v1/me/mfa/totp/confirm", {
      token: a.token,
      body: { code: codeAt(secret) },
    });
    expect(confirm.status).toBe(200);
  });
});

describe("the SDK", () => {
  it("has a typed call for every account route", async () => {
    const client = new OrgwireClient({ url: node().url });
    const email = `sdk-${randomUUID().slice(0, 8)}@example.com`;
    const { user } = await client.auth.signup({ email, password: PASSWORD, name: "Sdk" });
    const { secret, otpauthUrl } = await client.auth.startTotp();
    expect(URI.parse(otpauthUrl).secret.base32).toBe(secret);
    const { recoveryCodes } = await client.auth.confirmTotp({ code: codeAt(secret) });
    expect(recoveryCodes).toHaveLength(10);
    expect((await client.auth.me()).mfaEnabled).toBe(true);

    // Login answers a challenge and leaves the client's token alone; loginMfa signs in.
    const phone = new OrgwireClient({ url: node().url });
    const first = await phone.auth.login({ email, password: PASSWORD });
    if (!("mfaRequired" in first)) throw new Error("expected an MFA challenge");
    expect(phone.token).toBeUndefined();
    const wrong = await phone.auth.loginMfa({ challenge: first.challenge, code: wrongCode(secret) }).catch((e) => e);
    expect(wrong).toBeInstanceOf(OrgwireError);
    expect([wrong.status, wrong.code]).toEqual([401, "unauthenticated"]);
    await phone.auth.loginMfa({ challenge: first.challenge, recoveryCode: recoveryCodes[0]! });
    expect((await phone.auth.me()).user.id).toBe(user.id);

    const { items } = await client.auth.listSessions({ limit: 10 });
    expect(items.map((s) => s.current)).toEqual([true, false]);
    await client.auth.revokeSession(items[1]!.id);
    expect(await phone.auth.me().catch((e: OrgwireError) => e.status)).toBe(401);
    await client.auth.changePassword({ currentPassword: PASSWORD, newPassword: "another long password" });
    const refused = await client.auth.disableTotp({ code: wrongCode(secret) }).catch((e: OrgwireError) => e.code);
    expect(refused).toBe("invalid_credentials");
    await client.auth.disableTotp({ recoveryCode: recoveryCodes[1]! });
    expect((await client.auth.me()).mfaEnabled).toBe(false);
    const again = await new OrgwireClient({ url: node().url }).auth.login({ email, password: "another long password" });
    expect("token" in again).toBe(true);
  });
});

describe("orgwire login with MFA", () => {
  it("prompts for the code after the password (piped: the next line) and saves the session", async () => {
    const a = await signup(node(), "cli");
    const { secret } = await enrol(node(), a);
    const dir = await mkdtemp(join(tmpdir(), "orgwire-cli-mfa-"));
    try {
      const config = join(dir, "config.json");
      const child = spawn(
        process.execPath,
        [join(ROOT, "client-sdk/dist/cli/main.js"), "login", "--email", a.email, "--json"],
        {
          env: { PATH: process.env.PATH ?? "", HOME: dir, ORGWIRE_URL: node().url, ORGWIRE_CONFIG: config },
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        err += d;
      });
      child.stdin.end(`${PASSWORD}\n${codeAt(secret, 1)}\n`);
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code, err).toBe(0);
      expect(JSON.parse(out).user.email).toBe(a.email);
      const saved = JSON.parse(await readFile(config, "utf8"));
      expect((await me(saved.token)).body.user.id).toBe(a.user.id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
