import { z } from "zod";
import { text } from "./primitives.js";
import { authResult, page } from "./responses.js";

/**
 * The account's own security: TOTP MFA (RFC 6238: SHA-1, 6 digits, 30 s steps, what every
 * authenticator app reads from an `otpauth://` URL), the MFA step of login, the sessions list and
 * the password change.
 */

/** A code from the authenticator app: 6 digits. */
export const totpCode = z.string().regex(/^[0-9]{6}$/, "must be the 6-digit code from the authenticator app");

/**
 * A recovery code as shown at confirmation (`abcd-efgh-ijkl-mnop`: 16 base32 characters, 80
 * random bits); any case, with or without the dashes or with spaces instead.
 */
export const RECOVERY_CODE_PATTERN = /^[A-Za-z2-7]{4}(?:[- ]?[A-Za-z2-7]{4}){3}$/;
export const recoveryCode = z
  .string()
  .regex(RECOVERY_CODE_PATTERN, "must be a recovery code such as abcd-efgh-ijkl-mnop");

/** The token of a login challenge: 43 base64url characters, like a session token. */
export const challengeToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be the challenge from POST /v1/auth/login");

const oneFactor = <T extends { code?: string; recoveryCode?: string }>(body: T) =>
  (body.code === undefined) !== (body.recoveryCode === undefined);
const ONE_FACTOR = "send either code or recoveryCode (exactly one)";

/** `{code}` or `{recoveryCode}`: proof of the second factor. */
export const mfaProofBody = z
  .object({ code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .strict()
  .refine(oneFactor, { message: ONE_FACTOR })
  .meta({ description: "Exactly one of `code` (from the authenticator app) and `recoveryCode`." });
export type MfaProofBody = z.infer<typeof mfaProofBody>;

export const confirmTotpBody = z.object({ code: totpCode }).strict();
export type ConfirmTotpBody = z.infer<typeof confirmTotpBody>;

export const loginMfaBody = z
  .object({ challenge: challengeToken, code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .strict()
  .refine(oneFactor, { message: ONE_FACTOR })
  .meta({ description: "The login's `challenge` and exactly one of `code` and `recoveryCode`." });
export type LoginMfaBody = z.infer<typeof loginMfaBody>;

/** Passwords: at least 10 characters (signup's rule), at most 1024. */
export const changePasswordBody = z
  .object({
    currentPassword: text(1024),
    newPassword: text(1024).min(10, "must be at least 10 characters"),
  })
  .strict();
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;

/** The start of an enrolment: the secret, as base32 and as a URL for a QR code. Shown this once. */
export const totpEnrolment = z.object({
  secret: z.string().meta({ description: "The shared secret, base32 (RFC 4648), for typing into an app." }),
  otpauthUrl: z.string().meta({ description: "`otpauth://totp/…`: what a QR code for authenticator apps holds." }),
});
export type TotpEnrolment = z.infer<typeof totpEnrolment>;

/** 10 single-use codes, each a way in without the app. Shown this once; only their hashes are kept. */
export const recoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export type RecoveryCodes = z.infer<typeof recoveryCodes>;

/** What login answers instead of a session when the account has MFA on. */
export const mfaChallenge = z.object({
  mfaRequired: z.literal(true),
  challenge: z.string().meta({ description: "For `POST /v1/auth/login/mfa`; single-use." }),
  expiresAt: z.string(),
});
export type MfaChallenge = z.infer<typeof mfaChallenge>;

/** Login's answer: a session, or (MFA on) a challenge to answer with a code. */
export const loginResult = z.union([authResult, mfaChallenge]);
export type LoginResult = z.infer<typeof loginResult>;

export const session = z.object({
  id: z.string(),
  /** The session of the token that asks. */
  current: z.boolean(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type Session = z.infer<typeof session>;
export const sessionList = page(session);
export type SessionList = z.infer<typeof sessionList>;
