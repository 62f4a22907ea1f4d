import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";
import type { Access, Permission } from "../auth/permissions.js";
import type { Db } from "../db/database.js";
import { authorize } from "../members/access.js";
import { notFound } from "./errors.js";

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
export function orgAccess(db: Db, permission: Permission | ((c: Context) => Permission)) {
  return createMiddleware(async (c, next) => {
    const orgId = c.req.param("orgId") ?? "";
    if (!UUID_PATTERN.test(orgId)) throw notFound("organization");
    const needed = typeof permission === "function" ? permission(c) : permission;
    c.set("access", await authorize(db, c.var.actor, orgId.toLowerCase(), needed));
    await next();
  });
}
