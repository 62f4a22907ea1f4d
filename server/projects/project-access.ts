import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ProjectRole } from "../../client-sdk/src/contract/index.js";
import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";
import { accessFor, requirePermission } from "../access/derive.js";
import { type Access, can, canSeeProject, canWriteResources, type Permission } from "../access/permissions.js";
import { type Actor, principalUserId, type RequestContext } from "../core/actor.js";
import { forbidden, notFound } from "../core/errors.js";
import type { Db } from "../db/database.js";
import type { ProjectRow } from "../db/tables/projects.table.js";
import { mutateOrg, type OrgMutationDeps, type OrgMutationScope } from "../events/unit-of-work.js";
import { findMembershipWithProject } from "./projects.repository.js";

/** What one caller may do on one project: checked in the contract's order, 404 before 403. */
export interface ProjectAccess {
  access: Access;
  project: ProjectRow;
  projectRole: ProjectRole | undefined;
}

/** `read` = see the project; `resources.write` honours project editors; others are org permissions. */
export type ProjectNeed = "read" | "resources.write" | Permission;

/** The project, or 404, then the need, or 403: from the project row and the caller's role on it. */
export function decideProjectAccess(
  access: Access,
  project: ProjectRow | undefined,
  role: ProjectRole | null | undefined,
  need: ProjectNeed,
): ProjectAccess {
  const projectRole = role ?? undefined;
  if (!project || !canSeeProject(access, projectRole)) throw notFound("project");
  if (need === "resources.write" ? !canWriteResources(access, projectRole) : need !== "read" && !can(access, need)) {
    throw forbidden(`your role (${access.role}) may not do this on this project`);
  }
  return { access, project, projectRole };
}

/**
 * The unit of work of a change inside a project: the org's mutation (lock, access under the
 * lock, the project and the caller's role on it, all read in the locking statement), then the
 * need decided from them, before `change` runs.
 */
export function mutateInProject<T>(
  deps: OrgMutationDeps,
  request: { actor: Actor; context: RequestContext; orgId: string; projectId: string; need: ProjectNeed },
  change: (scope: OrgMutationScope, p: ProjectAccess) => Promise<T>,
): Promise<T> {
  const { actor, context, orgId, projectId } = request;
  return mutateOrg(deps, { actor, context, orgId, permission: "org.read", projectId }, async (scope) =>
    change(scope, decideProjectAccess(scope.access, scope.project?.row, scope.project?.role, request.need)),
  );
}

declare module "hono" {
  interface ContextVariableMap {
    /** The caller's access to the project of the path, checked before the body is read. */
    projectAccess: ProjectAccess;
  }
}

/**
 * Like `orgAccess`, for routes under /orgs/{orgId}/projects/{projectId}: the caller's org role,
 * the project and their project role in one round trip, answered in the contract's order (404 for
 * the org, then 404 for the project, then 403) before the body is read.
 */
export function projectAccess(db: Db, need: ProjectNeed) {
  return createMiddleware(async (c, next) => {
    await checkProjectAccess(db, c, need);
    await next();
  });
}

/** `projectAccess` for mutations whose service checks under the lock (see orgAccessBeforeInputErrors). */
export function projectAccessBeforeInputErrors(db: Db, need: ProjectNeed) {
  return createMiddleware(async (c, next) => {
    c.set("accessBeforeInputErrors", () => checkProjectAccess(db, c, need));
    await next();
  });
}

async function checkProjectAccess(db: Db, c: Context, need: ProjectNeed): Promise<void> {
  const orgId = (c.req.param("orgId") ?? "").toLowerCase();
  const actor = c.var.actor;
  if (!UUID_PATTERN.test(orgId) || (actor.type === "api_key" && actor.orgId !== orgId)) throw notFound("organization");
  const projectId = (c.req.param("projectId") ?? "").toLowerCase();
  const shaped = UUID_PATTERN.test(projectId);
  const found = await findMembershipWithProject(db, orgId, principalUserId(actor), shaped ? projectId : null);
  if (!found) throw notFound("organization");
  const access = accessFor(actor, orgId, found.orgRole, {
    orgRequiresMfa: Boolean(found.orgRequiresMfa),
    principalHasMfa: Boolean(found.principalHasMfa),
  });
  requirePermission(access, "org.read");
  const project =
    found.id !== null && found.name !== null && found.created_at !== null
      ? { id: found.id, org_id: orgId, name: found.name, created_at: found.created_at }
      : undefined;
  c.set("projectAccess", decideProjectAccess(access, project, found.projectRole, need));
  c.set("access", access);
}
