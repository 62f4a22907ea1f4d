import { accessFor, requirePermission } from "../access/derive.js";
import type { Access, Permission } from "../access/permissions.js";
import { type Actor, principalUserId } from "../core/actor.js";
import { notFound } from "../core/errors.js";
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

/** 404 when the org is invisible to the actor, 403 when visible but the permission is missing. */
export async function authorize(db: Executor, actor: Actor, orgId: string, permission: Permission): Promise<Access> {
  const access = await loadAccess(db, actor, orgId);
  if (!access) throw notFound("organization");
  requirePermission(access, permission);
  return access;
}
