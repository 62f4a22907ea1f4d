import { Secret, TOTP } from "otpauth";
import { call, type Target, type TestUser } from "./api.js";

/** The key the MFA tests run with (64 hex characters: 32 bytes). */
export const TEST_MFA_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

const PERIOD_MS = 30_000;

/**
 * A real TOTP code of `secret`, computed by the library the way an authenticator app does, for the
 * time step `steps` away from now (the server accepts one step either side).
 */
export const codeAt = (secret: string, steps = 0): string =>
  TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    timestamp: Date.now() + steps * PERIOD_MS,
  });

/** A 6-digit code that is valid for no step the server accepts now. */
export function wrongCode(secret: string): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((s) => codeAt(secret, s)));
  for (let n = 123_456; ; n++) {
    const code = String(n % 1_000_000).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

/** Enrols and confirms TOTP for `user` (confirming uses the current step's code). */
export async function enrol(target: Target, user: TestUser): Promise<{ secret: string; recoveryCodes: string[] }> {
  const start = await call(target, "POST", "/v1/me/mfa/totp", { token: user.token });
  if (start.status !== 200) throw new Error(`enrol: ${start.status} ${JSON.stringify(start.body)}`);
  const secret: string = start.body.secret;
  const confirm = await call(target, "POST", "/v1/me/mfa/totp/confirm", {
    token: user.token,
    body: { code: codeAt(secret) },
  });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return { secret, recoveryCodes: confirm.body.recoveryCodes };
}

export const PASSWORD = "correct horse battery";

/** Logs in with the password; for an MFA account the answer is the challenge. */
export const login = (target: Target, email: string, password = PASSWORD, headers?: Record<string, string>) =>
  call(target, "POST", "/v1/auth/login", { body: { email, password }, headers });

/** The MFA step of a login. */
export const loginMfa = (target: Target, body: { challenge: string; code?: string; recoveryCode?: string }) =>
  call(target, "POST", "/v1/auth/login/mfa", { body });

/**
 * Bad input for the account routes, each refused with a clear 4xx: method, path, body, the status
 * expected, and the field the error names (if it names one). `challenge` is a well-formed challenge.
 */
export const badAccountInput = (challenge: string): [string, string, unknown, number, string?][] => [
  ["POST", "/v1/me/mfa/totp/confirm", { code: "12345" }, 400, "code"],
  ["POST", "/v1/me/mfa/totp/confirm", { code: 123456 }, 400, "code"],
  ["POST", "/v1/me/mfa/totp/confirm", { code: "12345a" }, 400, "code"],
  ["POST", "/v1/me/mfa/totp/confirm", {}, 400, "code"],
  ["POST", "/v1/me/mfa/totp/confirm", { code: "123456", admin: true }, 400],
  ["POST", "/v1/me/mfa/totp/confirm", "not an object", 400],
  ["DELETE", "/v1/me/mfa/totp", {}, 400],
  ["DELETE", "/v1/me/mfa/totp", { code: "123456", recoveryCode: "abcd-efgh-ijkl-mnop" }, 400],
  ["DELETE", "/v1/me/mfa/totp", { recoveryCode: "not a code" }, 400, "recoveryCode"],
  ["DELETE", "/v1/me/mfa/totp", { recoveryCode: "abcd-efgh-ijkl-mno\u0000" }, 400, "recoveryCode"],
  ["POST", "/v1/auth/login/mfa", { code: "123456" }, 400, "challenge"],
  ["POST", "/v1/auth/login/mfa", { challenge: "short", code: "123456" }, 400, "challenge"],
  ["POST", "/v1/auth/login/mfa", { challenge }, 400],
  ["POST", "/v1/auth/login/mfa", { challenge, code: "123456", recoveryCode: "abcd-efgh-ijkl-mnop" }, 400],
  ["POST", "/v1/me/password", { currentPassword: PASSWORD, newPassword: "short" }, 400, "newPassword"],
  ["POST", "/v1/me/password", { currentPassword: PASSWORD }, 400, "newPassword"],
  ["POST", "/v1/me/password", { currentPassword: PASSWORD, newPassword: "long enough \ud800" }, 400, "newPassword"],
  ["POST", "/v1/me/password", { currentPassword: "x".repeat(2000), newPassword: "long enough pw" }, 400],
  ["DELETE", "/v1/me/sessions/not-a-session", undefined, 404],
  ["DELETE", "/v1/me/sessions/00000000-0000-0000-0000-000000000000", undefined, 404],
  ["GET", "/v1/me/sessions?limit=0", undefined, 400, "limit"],
  ["GET", "/v1/me/sessions?cursor=bm90IGpzb24", undefined, 400],
];
