import { z } from "zod";
import { text } from "./primitives.js";

/** A bare domain such as `example.com`; compared case-insensitively, so stored lower-case. */
const domain = text(253)
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a domain like example.com");

/** Console preferences shown to every member. */
export const preferences = z
  .object({
    timezone: text(64).optional(),
    language: z.enum(["en", "fr", "de", "es", "it", "nl", "pt"]).optional(),
    dateFormat: z.enum(["iso", "us", "eu"]).optional(),
  })
  .strict();

/** Which mails the org's owners want. */
export const notifications = z
  .object({
    memberChanges: z.boolean().optional(),
    billing: z.boolean().optional(),
    security: z.boolean().optional(),
    weeklyDigest: z.boolean().optional(),
  })
  .strict();

/** Who may join: `allowedEmailDomains: []` (or absent) means no restriction. */
export const authentication = z
  .object({
    allowedEmailDomains: z.array(domain).max(100).optional(),
    requireMfa: z.boolean().optional(),
  })
  .strict();

export const orgSettings = z
  .object({
    preferences: preferences.optional(),
    notifications: notifications.optional(),
    authentication: authentication.optional(),
    /** How long the audit log keeps entries; older ones are pruned (default 365). */
    auditRetentionDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
export type OrgSettings = z.infer<typeof orgSettings>;
