import { z } from "zod";
import { orgEvent } from "./events.js";
import { apiKeyRole, orgRole } from "./roles.js";
import { orgSettings } from "./settings.js";

export const user = z.object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.string() });
export type User = z.infer<typeof user>;

export const authResult = z.object({ user, token: z.string() });
export type AuthResult = z.infer<typeof authResult>;

/** Guests see only `{id, name, role}`. */
export const org = z.object({
  id: z.string(),
  name: z.string(),
  role: orgRole,
  settings: orgSettings.optional(),
  createdAt: z.string().optional(),
});
export type Org = z.infer<typeof org>;

export const member = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: orgRole,
  joinedAt: z.string(),
});
export type Member = z.infer<typeof member>;

export const me = z.object({
  user,
  orgs: z.array(z.object({ id: z.string(), name: z.string(), role: orgRole })),
  /** Whether the account has TOTP MFA on (login then asks for a code). */
  mfaEnabled: z.boolean(),
});
export type Me = z.infer<typeof me>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const orgList = page(org);
export const memberList = page(member);
/** Audit-log pages: positions in (occurredAt, seq) order, so an opaque string cursor. */
export const auditLogPage = page(orgEvent);
/** An event page's cursor is a seq: the `since` of the next page, an integer like `since` itself. */
export const eventPage = z.object({ items: z.array(orgEvent), nextCursor: z.number().int().min(0).nullable() });

export const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  role: apiKeyRole,
  audit: z.boolean(),
  /** The secret's first characters, to tell keys apart; never the secret. */
  prefix: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof apiKey>;
export const apiKeyList = page(apiKey);
/** The only answer that ever carries the secret. */
export const createdApiKey = z.object({ apiKey, secret: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKey>;
