import type { OrgRole, ProjectRole } from "../../client-sdk/src/contract/index.js";
import {
  API_KEYS_NEVER,
  ORG_ROLES,
  OWNER_ONLY_EVENT_TYPES,
  type Permission,
  roleCan,
} from "../../client-sdk/src/contract/index.js";

/** The role matrix is the contract's (`ROLE_MATRIX`): services ask `can(access, permission)`. */
export type { Permission };

const API_KEYS_NEVER_SET: ReadonlySet<Permission> = new Set(API_KEYS_NEVER);

/** What one actor may do in one org, computed from current state. */
export interface Access {
  orgId: string;
  /** The effective role (for an API key: the lesser of its role and its creator's). */
  role: OrgRole;
  /** The user the access derives from (an API key's creator). */
  userId: string;
  /** Sees `context` and `hash`: owners, and API keys created with `audit: true`. */
  audit: boolean;
  /** API keys never manage API keys, delete the org, nor change the audit retention. */
  isApiKey: boolean;
  /** The principal (the user; for an API key, its creator) has MFA on. */
  mfaEnabled: boolean;
  /** The org requires MFA and this caller, a person, has none: 403 `mfa_required` on most routes. */
  mfaMissing: boolean;
}

export function can(access: Pick<Access, "role" | "isApiKey" | "audit">, permission: Permission): boolean {
  if (permission === "audit.read") return access.audit;
  if (API_KEYS_NEVER_SET.has(permission) && access.isApiKey) return false;
  return roleCan(access.role, permission);
}

/**
 * Project roles only add rights (docs/access.md): seeing a project needs the org-wide view or any
 * role on it; writing its resources needs `resources.write` or, for a user, the project's editor
 * role. An API key's rights come from its (capped) org role alone.
 */
export function canSeeProject(access: Access, projectRole: ProjectRole | undefined): boolean {
  return can(access, "org.read_all") || projectRole !== undefined;
}

export function canWriteResources(access: Access, projectRole: ProjectRole | undefined): boolean {
  return can(access, "resources.write") || (!access.isApiKey && projectRole === "editor");
}

const rank = (role: OrgRole) => ORG_ROLES.indexOf(role);
/** The weaker of two roles (owner > editor > viewer > guest). */
export const lesserRole = (a: OrgRole, b: OrgRole): OrgRole => (rank(a) >= rank(b) ? a : b);

/** Which events of the log a viewer receives (docs/access.md, "Who receives an event"). */
export interface EventView {
  userId: string;
  /** Every event that is not owner-only. */
  orgWide: boolean;
  /** Owner-only types too. */
  ownerOnly: boolean;
  /** `context` and `hash`. */
  audit: boolean;
}

export function eventViewOf(access: Access): EventView {
  return {
    userId: access.userId,
    orgWide: can(access, "org.read_all"),
    ownerOnly: access.role === "owner" || access.audit,
    audit: access.audit,
  };
}

export function isOwnerOnly(type: string): boolean {
  return OWNER_ONLY_EVENT_TYPES.has(type as never);
}
