import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: 43 characters of A-Z a-z 0-9 - _. */
export const newToken = () => randomBytes(32).toString("base64url");

/** Tokens are stored only as this hash; a stolen table holds nothing usable. */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
