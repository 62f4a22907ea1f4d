import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";
import type { PermissionOptions } from "../access/derive.js";
import type { Access, Permission } from "../access/permissions.js";
import { notFound } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { authorize } from "./access.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The caller's access to the org of the path, checked before the body is read. */
    access: Access;
  }
}

/**
 * Runs before the body validators so that answers come in the contract's order: 404 (can you see
 * the org), 403 (may you do this), then 400. Mutations check again under the org's lock.
 */
export function orgAccess(
  db: Db,
  permission: Permission | ((c: Context) => Permission),
  options: PermissionOptions = {},
) {
  return createMiddleware(async (c, next) => {
    const needed = typeof permission === "function" ? permission(c) : permission;
    c.set("access", await accessToPathOrg(db, c, needed, options));
    await next();
  });
}

/**
 * For mutation routes whose service checks access under the org's lock: no query when the input
 * is valid (the locked check answers 404 and 403 the same way), and the early check when it is
 * not, so that answers still come in the contract's order.
 */
export function orgAccessBeforeInputErrors(db: Db, permission: Permission) {
  return createMiddleware(async (c, next) => {
    c.set("accessBeforeInputErrors", () => accessToPathOrg(db, c, permission));
    await next();
  });
}

/**
 * The caller's access to the `{orgId}` of the path: 404 for an id that is not a UUID or an org they
 * cannot see, 403 `mfa_required` (unless exempt), 403 without `permission`.
 */
export async function accessToPathOrg(
  db: Db,
  c: Context,
  permission: Permission,
  options: PermissionOptions = {},
): Promise<Access> {
  const orgId = c.req.param("orgId") ?? "";
  if (!UUID_PATTERN.test(orgId)) throw notFound("organization");
  return authorize(db, c.var.actor, orgId.toLowerCase(), permission, options);
}
