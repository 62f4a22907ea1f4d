import { createMiddleware } from "hono/factory";
import type { ProjectRole } from "../../client-sdk/src/contract/index.js";
import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";
import { type Access, can, canSeeProject, canWriteResources, type Permission } from "../access/permissions.js";
import type { Actor, RequestContext } from "../core/actor.js";
import { forbidden, notFound } from "../core/errors.js";
import type { Db, Executor } from "../db/database.js";
import type { ProjectRow } from "../db/tables/projects.table.js";
import { type MutationScope, mutateOrg, type OrgMutationDeps } from "../events/unit-of-work.js";
import { accessToPathOrg } from "../members/org-access.js";
import { findProjectWithRole } from "./projects.repository.js";

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
  const found = await findProjectWithRole(db, access.orgId, projectId, access.userId);
  const projectRole = found?.projectRole ?? undefined;
  if (!found || !canSeeProject(access, projectRole)) throw notFound("project");
  if (need === "resources.write" ? !canWriteResources(access, projectRole) : need !== "read" && !can(access, need)) {
    throw forbidden(`your role (${access.role}) may not do this on this project`);
  }
  const { projectRole: _role, ...project } = found;
  return { access, project, projectRole };
}

/**
 * The unit of work of a change inside a project: the org's mutation (lock, access under the
 * lock), then the project and the need re-checked there, before `change` runs.
 */
export function mutateInProject<T>(
  deps: OrgMutationDeps,
  request: { actor: Actor; context: RequestContext; orgId: string; projectId: string; need: ProjectNeed },
  change: (scope: MutationScope & { access: Access }, p: ProjectAccess) => Promise<T>,
): Promise<T> {
  const { actor, context, orgId } = request;
  return mutateOrg(deps, { actor, context, orgId, permission: "org.read" }, async (scope) =>
    change(scope, await authorizeProject(scope.trx, scope.access, request.projectId, request.need)),
  );
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
    const access = await accessToPathOrg(db, c, "org.read");
    const projectId = (c.req.param("projectId") ?? "").toLowerCase();
    if (!UUID_PATTERN.test(projectId)) throw notFound("project");
    c.set("projectAccess", await authorizeProject(db, access, projectId, need));
    c.set("access", access);
    await next();
  });
}
