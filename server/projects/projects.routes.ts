import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  createProjectBody,
  page,
  project,
  projectMember,
  putProjectMemberBody,
  updateProjectBody,
} from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess } from "../members/org-access.js";
import { projectAccess } from "./project-access.js";
import type { ProjectsService } from "./projects.service.js";

const projectParams = z.object({ orgId: idParam, projectId: idParam });
const memberParams = projectParams.extend({ userId: idParam });

export function projectsRoutes(service: ProjectsService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const auth = authenticate(deps.authenticator);
  const app = createRouter();
  const tags = ["projects"];

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/projects",
      operationId: "listProjects",
      summary: "List projects",
      description: "The organization's projects, oldest first; guests see only the projects they have a role on.",
      tags,
      security: bearer,
      middleware: [auth, orgAccess(deps.db, "org.read")],
      request: { params: orgParams, query: pageQuery },
      responses: responses(200, page(project), "projects; guests see only theirs"),
    }),
    async (c) => c.json(await service.list(c.var.access, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/projects",
      operationId: "createProject",
      summary: "Create a project",
      description: "Owners and editors.",
      tags,
      security: bearer,
      middleware: [auth, orgAccess(deps.db, "projects.write")],
      request: { params: orgParams, ...jsonBody(createProjectBody) },
      responses: responses(201, project, "the new project"),
    }),
    async (c) => c.json(await service.create(requestScope(c), c.req.valid("param").orgId, c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/projects/{projectId}",
      operationId: "getProject",
      summary: "Get a project",
      description: "A project the caller may see (guests: only those they have a role on).",
      tags,
      security: bearer,
      middleware: [auth, projectAccess(deps.db, "read")],
      request: { params: projectParams },
      responses: responses(200, project, "the project"),
    }),
    (c) => c.json(service.get(c.var.projectAccess), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/orgs/{orgId}/projects/{projectId}",
      operationId: "renameProject",
      summary: "Rename a project",
      description: "Owners and editors.",
      tags,
      security: bearer,
      middleware: [auth, projectAccess(deps.db, "projects.write")],
      request: { params: projectParams, ...jsonBody(updateProjectBody) },
      responses: responses(200, project, "the renamed project"),
    }),
    async (c) => {
      const { orgId, projectId } = c.req.valid("param");
      return c.json(await service.rename(requestScope(c), orgId, projectId, c.req.valid("json")), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}/projects/{projectId}",
      operationId: "deleteProject",
      summary: "Delete a project",
      description:
        "Deletes its resources (one `resource.deleted` event each), then the project roles on it, then the project. Owners and editors.",
      tags,
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [auth],
      request: { params: projectParams },
      responses: noContent("deleted, with its resources"),
    }),
    async (c) => {
      const { orgId, projectId } = c.req.valid("param");
      await service.remove(requestScope(c), orgId, projectId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/projects/{projectId}/members",
      operationId: "listProjectMembers",
      summary: "List project members",
      description: "The members with a role on this project, and that role. Whoever may see the project.",
      tags,
      security: bearer,
      middleware: [auth, projectAccess(deps.db, "read")],
      request: { params: projectParams },
      responses: responses(200, page(projectMember), "the project's members and their project roles"),
    }),
    async (c) => c.json(await service.listMembers(c.var.projectAccess), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/orgs/{orgId}/projects/{projectId}/members/{userId}",
      operationId: "setProjectMember",
      summary: "Set a member's project role",
      description:
        "Gives an organization member a role (`editor` or `viewer`) on this project, or changes it; the same role again writes no event. Owners.",
      tags,
      security: bearer,
      middleware: [auth, projectAccess(deps.db, "org.manage")],
      request: { params: memberParams, ...jsonBody(putProjectMemberBody) },
      responses: responses(200, projectMember, "the project role, added or changed"),
    }),
    async (c) => {
      const { orgId, projectId, userId } = c.req.valid("param");
      const body = c.req.valid("json");
      return c.json(await service.putMember(requestScope(c), orgId, projectId, userId, body), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}/projects/{projectId}/members/{userId}",
      operationId: "removeProjectMember",
      summary: "Remove a project role",
      description:
        "Takes the member's role on this project away; a guest stops receiving the project's events at once. Owners.",
      tags,
      security: bearer,
      middleware: [auth],
      request: { params: memberParams },
      responses: noContent("removed from the project; a guest loses its events at once"),
    }),
    async (c) => {
      const { orgId, projectId, userId } = c.req.valid("param");
      await service.removeMember(requestScope(c), orgId, projectId, userId);
      return c.body(null, 204);
    },
  );

  return app;
}
