import { z } from "zod";

/** Organization roles, strongest first. */
export const ORG_ROLES = ["owner", "editor", "viewer", "guest"] as const;
export const orgRole = z.enum(ORG_ROLES);
export type OrgRole = z.infer<typeof orgRole>;

/** Roles a membership on a single project can carry. */
export const PROJECT_ROLES = ["editor", "viewer"] as const;
export const projectRole = z.enum(PROJECT_ROLES);
export type ProjectRole = z.infer<typeof projectRole>;

/** Roles an API key may be created with (never guest). */
export const API_KEY_ROLES = ["owner", "editor", "viewer"] as const;
export const apiKeyRole = z.enum(API_KEY_ROLES);
export type ApiKeyRole = z.infer<typeof apiKeyRole>;
