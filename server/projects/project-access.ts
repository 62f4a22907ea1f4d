import { createMiddleware } from "hono/factory";
import type { ProjectRole } from "../../client-sdk/src/contract/index.js";
import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";
import type { Actor } from "../auth/actor.js";
import { type Access, can, canSeeProject, canWriteResources, type Permission } from "../auth/permissions.js";
import type { Db, Executor } from "../db/database.js";
import { notFound } from "../http/errors.js";
import { loadAccess, requirePermission } from "../members/access.js";
import { findProject, findProjectRole } from "./projects.repository.js";
import type { ProjectRow } from "./projects.table.js";

/** What one caller may do on one project: checked in the contract's order, 404 before 403. */
export interface ProjectAccess {
  access: Access;
  project: ProjectRow;
  projectRole: ProjectRole | undefined;
}

/** `read` = see the project; `resources.write` honours project editors; others are org permissions. */
export type ProjectNeed = "read" | "resources.write" | Permission;

export async function authorizeProject(
  db: Executor,
  access: Access,
  projectId: string,
  need: ProjectNeed,
): Promise<ProjectAccess> {
  const project = await findProject(db, access.orgId, projectId);
  const projectRole = project && (await findProjectRole(db, projectId, access.userId))?.role;
  if (!project || !canSeeProject(access, projectRole)) throw notFound("project");
  if (need === "resources.write") {
    if (!canWriteResources(access, projectRole)) requirePermission(access, "resources.write");
  } else if (need !== "read" && !can(access, need)) {
    requirePermission(access, need);
  }
  return { access, project, projectRole };
}

declare module "hono" {
  interface ContextVariableMap {
    /** The caller's access to the project of the path, checked before the body is read. */
    projectAccess: ProjectAccess;
  }
}

/** Like `orgAccess`, for routes under /orgs/{orgId}/projects/{projectId}. */
export function projectAccess(db: Db, need: ProjectNeed) {
  return createMiddleware(async (c, next) => {
    const orgId = (c.req.param("orgId") ?? "").toLowerCase();
    const projectId = (c.req.param("projectId") ?? "").toLowerCase();
    if (!UUID_PATTERN.test(orgId)) throw notFound("organization");
    const access = await loadAccess(db, c.var.actor as Actor, orgId);
    if (!access) throw notFound("organization");
    if (!UUID_PATTERN.test(projectId)) throw notFound("project");
    c.set("projectAccess", await authorizeProject(db, access, projectId, need));
    c.set("access", access);
    await next();
  });
}
