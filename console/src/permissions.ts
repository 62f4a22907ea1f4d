import { type Permission, roleCan } from "../../client-sdk/src/contract/role-matrix.js";
import type { OrgRole, ResourceType } from "../../client-sdk/src/index.js";
import type { OrgView } from "./store.js";

/** The contract's roles, strongest first (kept here so the page does not bundle the zod schemas). */
export const ORG_ROLES = ["owner", "editor", "viewer", "guest"] as const satisfies readonly OrgRole[];
export const RESOURCE_TYPES = ["vps", "domain", "hosting"] as const satisfies readonly ResourceType[];

/** The contract's role matrix (plain data, no schemas): the server decides, views only hide. */
export type { Permission };

export function can(role: OrgRole | undefined, permission: Permission): boolean {
  return roleCan(role, permission);
}

/** Project roles only add rights: a project editor writes that project's resources. */
export function canWriteResources(view: OrgView, projectId: string, userId: string | undefined): boolean {
  if (can(view.role, "resources.write")) return true;
  return (view.projectMembers[projectId] ?? []).some((m) => m.userId === userId && m.role === "editor");
}
