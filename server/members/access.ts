import type { OrgRole } from "../../client-sdk/src/contract/index.js";
import { type Actor, principalUserId } from "../auth/actor.js";
import { type Access, can, lesserRole, type Permission } from "../auth/permissions.js";
import { AppError, notFound } from "../core/errors.js";
import type { Executor } from "../db/database.js";
import { roleInLiveOrg } from "./members.repository.js";

/**
 * What `actor` may do in `orgId`, from current state; undefined when the org does not exist, is
 * deleted, or the actor has no membership there (all of which the API answers with 404).
 */
export async function loadAccess(db: Executor, actor: Actor, orgId: string): Promise<Access | undefined> {
  if (actor.type === "api_key" && actor.orgId !== orgId) return undefined;
  const userId = principalUserId(actor);
  const role = await roleInLiveOrg(db, orgId, userId);
  return role && accessFor(actor, orgId, role);
}

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

/** 404 when the org is invisible to the actor, 403 when visible but the permission is missing. */
export async function authorize(db: Executor, actor: Actor, orgId: string, permission: Permission): Promise<Access> {
  const access = await loadAccess(db, actor, orgId);
  if (!access) throw notFound("organization");
  requirePermission(access, permission);
  return access;
}

export function requirePermission(access: Access, permission: Permission): void {
  if (!can(access, permission)) throw new AppError("forbidden", `your role (${access.role}) may not do this`);
}
