import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";

/**
 * TOTP (RFC 6238) as every authenticator app reads it from an `otpauth://` URL: HMAC-SHA-1,
 * 6 digits, 30-second steps. A code is accepted for its step and one step either side (clock
 * drift), and only for a step above the last one accepted for that user (no replay).
 */
const TOTP_OPTIONS = { algorithm: "SHA1", digits: 6, period: 30 } as const;
const ACCEPTED_DRIFT_STEPS = 1;
const ISSUER = "Orgwire";
/** 160 bits, the HMAC-SHA-1 key size RFC 4226 recommends. */
const SECRET_BYTES = 20;

export const newTotpSecret = (): string => new Secret({ size: SECRET_BYTES }).base32;

const totp = (secret: string, label = "") =>
  new TOTP({ ...TOTP_OPTIONS, issuer: ISSUER, label, secret: Secret.fromBase32(secret) });

/** `otpauth://totp/Orgwire:<email>?secret=…&issuer=Orgwire&…`, for a QR code. */
export const otpauthUrl = (secret: string, email: string): string => totp(secret, email).toString();

/** The time step `code` belongs to, if it is valid at `now` (± the accepted drift); else undefined. */
export function totpStep(secret: string, code: string, now = Date.now()): number | undefined {
  const otp = totp(secret);
  const delta = otp.validate({ token: code, timestamp: now, window: ACCEPTED_DRIFT_STEPS });
  return delta === null ? undefined : otp.counter({ timestamp: now }) + delta;
}

export const RECOVERY_CODE_COUNT = 10;

/**
 * Recovery codes: 10 random bytes each (80 bits), base32, shown as `abcd-efgh-ijkl-mnop`. They are
 * stored as a plain SHA-256 (see normalizeRecoveryCode), not argon2: with 80 random bits a stolen
 * hash cannot be brute-forced whatever the hash's speed (a slow hash protects guessable secrets such
 * as passwords), and an unsalted hash lets a code be found with one indexed lookup instead of an
 * argon2 verification per stored code.
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () =>
    (new Secret({ size: 10 }).base32.toLowerCase().match(/.{4}/g) ?? []).join("-"),
  );
}

/** The code as typed (any case, with dashes or spaces or neither) reduced to its 16 characters. */
export const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[- ]/g, "");

export const hashRecoveryCode = (code: string) =>
  createHash("sha256").update(normalizeRecoveryCode(code)).digest("hex");

/** A stored secret that was encrypted with another key: every node needs the same MFA_ENCRYPTION_KEY. */
export class MfaKeyMismatchError extends Error {}

/**
 * AES-256-GCM for TOTP secrets at rest: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), a
 * fresh 96-bit IV each time. The user id is the additional authenticated data, so a secret copied
 * onto another user's row does not decrypt. The key id (an HMAC of a constant under the key) tells
 * a wrong key apart from tampering.
 */
export function createMfaCipher(key: Buffer) {
  if (key.length !== 32) throw new Error("the MFA encryption key must be 32 bytes");
  const keyId = createHmac("sha256", key).update("orgwire mfa key id").digest("base64url").slice(0, 11);
  return {
    keyId,
    encrypt(plain: string, userId: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(userId));
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return ["v1", keyId, iv, cipher.getAuthTag(), data]
        .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
        .join(".");
    },
    decrypt(stored: string, userId: string): string {
      const [version, id, iv, tag, data] = stored.split(".");
      if (version !== "v1" || !id || !iv || !tag || data === undefined) throw new Error("not an encrypted MFA secret");
      if (id !== keyId) {
        throw new MfaKeyMismatchError(
          `an MFA secret was encrypted with key ${id} but this node has key ${keyId}: give every node the same MFA_ENCRYPTION_KEY`,
        );
      }
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(userId));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

export type MfaCipher = ReturnType<typeof createMfaCipher>;
