import { accessFor, type PermissionOptions, requirePermission } from "../access/derive.js";
import type { Access, Permission } from "../access/permissions.js";
import { type Actor, principalUserId } from "../core/actor.js";
import { notFound } from "../core/errors.js";
import type { Executor } from "../db/database.js";
import { roleInLiveOrg, rolesOfPairs } from "./members.repository.js";

/**
 * What `actor` may do in `orgId`, from current state; undefined when the org does not exist, is
 * deleted, or the actor has no membership there (all of which the API answers with 404).
 */
export async function loadAccess(db: Executor, actor: Actor, orgId: string): Promise<Access | undefined> {
  if (actor.type === "api_key" && actor.orgId !== orgId) return undefined;
  const userId = principalUserId(actor);
  const standing = await roleInLiveOrg(db, orgId, userId);
  return standing && accessFor(actor, orgId, standing.role, standing);
}

/** `loadAccess` for many (actor, org) pairs in one round trip, answered in the same order. */
export async function loadAccessOfMany(
  db: Executor,
  requests: { actor: Actor; orgId: string }[],
): Promise<(Access | undefined)[]> {
  const eligible = requests.filter(({ actor, orgId }) => actor.type === "user" || actor.orgId === orgId);
  const standings = await rolesOfPairs(
    db,
    eligible.map(({ actor, orgId }) => ({ orgId, userId: principalUserId(actor) })),
  );
  return requests.map(({ actor, orgId }) => {
    if (actor.type === "api_key" && actor.orgId !== orgId) return undefined;
    const standing = standings.get(`${orgId} ${principalUserId(actor)}`);
    return standing && accessFor(actor, orgId, standing.role, standing);
  });
}

/**
 * 404 when the org is invisible to the actor, 403 `mfa_required` when it requires MFA they lack
 * (unless `mfaExempt`), 403 when visible but the permission is missing.
 */
export async function authorize(
  db: Executor,
  actor: Actor,
  orgId: string,
  permission: Permission,
  options: PermissionOptions = {},
): Promise<Access> {
  const access = await loadAccess(db, actor, orgId);
  if (!access) throw notFound("organization");
  requirePermission(access, permission, options);
  return access;
}
