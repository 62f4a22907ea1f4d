import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: 43 characters of A-Z a-z 0-9 - _. */
export const newToken = () => randomBytes(32).toString("base64url");

/** Tokens are stored only as this hash; a stolen table holds nothing usable. */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Whether `token` can be one of ours: `prefix` + 43 base64url characters. Checked before any
 * lookup, so a malformed token (a flood of them, say) never costs a database round trip.
 */
export const isTokenShaped = (token: string, prefix = "") =>
  token.length === prefix.length + 43 &&
  token.startsWith(prefix) &&
  /^[A-Za-z0-9_-]+$/.test(token.slice(prefix.length));
