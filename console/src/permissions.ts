import type { OrgRole, ResourceType } from "../../client-sdk/src/index.js";
import type { OrgView } from "./store.js";

/** The contract's roles, strongest first (kept here so the page does not bundle the zod schemas). */
export const ORG_ROLES = ["owner", "editor", "viewer", "guest"] as const satisfies readonly OrgRole[];
export const RESOURCE_TYPES = ["vps", "domain", "hosting"] as const satisfies readonly ResourceType[];

/**
 * The role matrix of docs/access.md as the console needs it, in one place: views ask `can`, and
 * nothing else compares role strings. The server decides; this only hides what would be refused.
 */
const PERMISSIONS = {
  /** The member list, every project and resource. */
  "org.read_all": ["owner", "editor", "viewer"],
  "projects.write": ["owner", "editor"],
  "resources.write": ["owner", "editor"],
  /** Members, invitations, roles, project members. */
  "org.manage": ["owner"],
  "audit.read": ["owner"],
  "api_keys.manage": ["owner"],
} as const satisfies Record<string, readonly OrgRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: OrgRole | undefined, permission: Permission): boolean {
  return role !== undefined && (PERMISSIONS[permission] as readonly OrgRole[]).includes(role);
}

/** Project roles only add rights: a project editor writes that project's resources. */
export function canWriteResources(view: OrgView, projectId: string, userId: string | undefined): boolean {
  if (can(view.role, "resources.write")) return true;
  return (view.projectMembers[projectId] ?? []).some((m) => m.userId === userId && m.role === "editor");
}
