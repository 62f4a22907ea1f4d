import type { OrgRole } from "../../client-sdk/src/contract/index.js";
import type { Actor } from "../core/actor.js";
import { AppError } from "../core/errors.js";
import { type Access, can, lesserRole, type Permission } from "./permissions.js";

/*
 * Access is derived here, from a principal's current membership role, by pure functions: the
 * repositories read the role (members/members.repository.ts), these decide. docs/access.md says
 * the same rule in prose.
 */

/** Access given the principal's membership role: an API key is capped by its creator's role. */
export function accessFor(actor: Actor, orgId: string, memberRole: OrgRole): Access {
  if (actor.type === "user") {
    return { orgId, role: memberRole, userId: actor.userId, audit: memberRole === "owner", isApiKey: false };
  }
  return {
    orgId,
    role: lesserRole(actor.role, memberRole),
    userId: actor.creatorId,
    // Audit access is the creator's to lend: it lasts only while they are an owner now.
    audit: actor.audit && memberRole === "owner",
    isApiKey: true,
  };
}

export function requirePermission(access: Access, permission: Permission): void {
  if (!can(access, permission)) throw new AppError("forbidden", `your role (${access.role}) may not do this`);
}
