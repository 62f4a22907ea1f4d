import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { createResourceBody, page, resource, updateResourceBody } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { projectAccess, projectAccessBeforeInputErrors } from "../projects/project-access.js";
import type { ResourcesService } from "./resources.service.js";

const projectParams = z.object({ orgId: idParam, projectId: idParam });
const resourceParams = projectParams.extend({ resourceId: idParam });
const BASE = "/orgs/{orgId}/projects/{projectId}/resources";

export function resourcesRoutes(service: ResourcesService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const auth = authenticate(deps.authenticator);
  const app = createRouter();
  const tags = ["resources"];

  app.openapi(
    createRoute({
      method: "get",
      path: BASE,
      operationId: "listResources",
      summary: "List resources",
      description: "The project's resources, oldest first.",
      tags,
      security: bearer,
      middleware: [auth, projectAccess(deps.db, "read")],
      request: { params: projectParams, query: pageQuery },
      responses: responses(200, page(resource), "the project's resources"),
    }),
    async (c) => c.json(await service.list(c.var.projectAccess, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: BASE,
      operationId: "createResource",
      summary: "Create a resource",
      description:
        "`type` is `vps`, `domain` or `hosting`; `config` is optional and each of its fields has a default. Owners, editors, and the project's editors.",
      tags,
      security: bearer,
      // The service checks access under the org's lock; the early check runs only for bad input.
      middleware: [auth, projectAccessBeforeInputErrors(deps.db, "resources.write")],
      request: { params: projectParams, ...jsonBody(createResourceBody) },
      responses: responses(201, resource, "the new resource"),
    }),
    async (c) => {
      const { orgId, projectId } = c.req.valid("param");
      return c.json(await service.create(requestScope(c), orgId, projectId, c.req.valid("json")), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${BASE}/{resourceId}`,
      operationId: "getResource",
      summary: "Get a resource",
      description: "One resource of the project.",
      tags,
      security: bearer,
      middleware: [auth, projectAccess(deps.db, "read")],
      request: { params: resourceParams },
      responses: responses(200, resource, "the resource"),
    }),
    async (c) => c.json(await service.get(c.var.projectAccess, c.req.valid("param").resourceId), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: `${BASE}/{resourceId}`,
      operationId: "updateResource",
      summary: "Update a resource",
      description:
        "Renames it and/or merges the named `config` fields into its current config, then validates the result. Owners, editors, and the project's editors.",
      tags,
      security: bearer,
      // The service checks access under the org's lock; the early check runs only for bad input.
      middleware: [auth, projectAccessBeforeInputErrors(deps.db, "resources.write")],
      request: { params: resourceParams, ...jsonBody(updateResourceBody) },
      responses: responses(200, resource, "the updated resource"),
    }),
    async (c) => {
      const { orgId, projectId, resourceId } = c.req.valid("param");
      const body = c.req.valid("json");
      return c.json(await service.update(requestScope(c), orgId, projectId, resourceId, body), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${BASE}/{resourceId}`,
      operationId: "deleteResource",
      summary: "Delete a resource",
      description: "Owners, editors, and the project's editors.",
      tags,
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [auth],
      request: { params: resourceParams },
      responses: noContent("deleted"),
    }),
    async (c) => {
      const { orgId, projectId, resourceId } = c.req.valid("param");
      await service.remove(requestScope(c), orgId, projectId, resourceId);
      return c.body(null, 204);
    },
  );

  return app;
}
