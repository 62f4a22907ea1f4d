import { z } from "zod";
import { email, name, text } from "./primitives.js";
import { apiKeyRole, orgRole } from "./roles.js";
import { orgSettings } from "./settings.js";

export const signupBody = z
  .object({
    email,
    password: text(1024).min(10, "must be at least 10 characters"),
    name,
  })
  .strict();
export type SignupBody = z.infer<typeof signupBody>;

export const loginBody = z.object({ email, password: text(1024) }).strict();
export type LoginBody = z.infer<typeof loginBody>;

export const createOrgBody = z.object({ name }).strict();
export type CreateOrgBody = z.infer<typeof createOrgBody>;

export const updateOrgBody = z
  .object({ name: name.optional(), settings: orgSettings.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.settings !== undefined, "name or settings is required");
export type UpdateOrgBody = z.infer<typeof updateOrgBody>;

export const changeRoleBody = z.object({ role: orgRole }).strict();
export type ChangeRoleBody = z.infer<typeof changeRoleBody>;

/** `since` and `limit` of event pages: limit 1..500, default 50. */
export const eventsQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type EventsQuery = z.infer<typeof eventsQuery>;

export const createApiKeyBody = z
  .object({
    name,
    role: apiKeyRole,
    audit: z.boolean().default(false),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((s) => Date.parse(s) > Date.now(), "must be in the future")
      .optional(),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;
