import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { apiKeyList, createApiKeyBody, createdApiKey } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess } from "../members/org-access.js";
import type { ApiKeysService } from "./api-keys.service.js";

export function apiKeysRoutes(service: ApiKeysService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const guard = [authenticate(deps.authenticator), orgAccess(deps.db, "api_keys.manage")];
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/api-keys",
      operationId: "listApiKeys",
      summary: "List API keys",
      description:
        "The keys that still work (neither revoked nor expired), without their secrets: `prefix` tells them apart. Owners signed in as users.",
      tags: ["api-keys"],
      security: bearer,
      middleware: guard,
      request: { params: orgParams, query: pageQuery },
      responses: responses(200, apiKeyList, "live keys, without secrets"),
    }),
    async (c) => c.json(await service.list(c.var.access, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/api-keys",
      operationId: "createApiKey",
      summary: "Create an API key",
      description:
        "A key works on this organization only, with the lesser of its `role` and its creator's current role; `audit: true` lets it read the audit log while its creator is an owner. The secret is in this answer and nowhere else. Owners signed in as users.",
      tags: ["api-keys"],
      security: bearer,
      middleware: guard,
      request: { params: orgParams, ...jsonBody(createApiKeyBody) },
      responses: responses(201, createdApiKey, "the key and its secret, shown this once"),
    }),
    async (c) => c.json(await service.create(requestScope(c), c.req.valid("param").orgId, c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}/api-keys/{keyId}",
      operationId: "revokeApiKey",
      summary: "Revoke an API key",
      description:
        "From now on the key gets 401, and its live subscriptions are revoked on every node before this answers. Owners signed in as users.",
      tags: ["api-keys"],
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [guard[0]!],
      request: { params: z.object({ orgId: idParam, keyId: idParam }) },
      responses: noContent("revoked: 401 from now on, its sockets disconnected"),
    }),
    async (c) => {
      const { orgId, keyId } = c.req.valid("param");
      await service.revoke(requestScope(c), orgId, keyId);
      return c.body(null, 204);
    },
  );

  return app;
}
