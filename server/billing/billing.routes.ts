import { createRoute } from "@hono/zod-openapi";
import { billingProfile, billingProfileBody } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, jsonBody, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess } from "../members/org-access.js";
import type { BillingService } from "./billing.service.js";

export function billingRoutes(service: BillingService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const guard = [authenticate(deps.authenticator), orgAccess(deps.db, "org.manage")];
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/billing",
      operationId: "getBilling",
      summary: "Get the billing profile",
      description: "Every field is null until the first PUT. Owners.",
      tags: ["billing"],
      security: bearer,
      middleware: guard,
      request: { params: orgParams },
      responses: responses(200, billingProfile, "the billing profile (fields null until set)"),
    }),
    async (c) => c.json(await service.get(c.var.access), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/orgs/{orgId}/billing",
      operationId: "setBilling",
      summary: "Replace the billing profile",
      description:
        "Replaces the profile whole. Its `billing.updated` event names the fields that changed, never their values. Owners.",
      tags: ["billing"],
      security: bearer,
      middleware: guard,
      request: { params: orgParams, ...jsonBody(billingProfileBody) },
      responses: responses(200, billingProfile, "the profile, replaced whole"),
    }),
    async (c) => c.json(await service.put(requestScope(c), c.req.valid("param").orgId, c.req.valid("json")), 200),
  );

  return app;
}
