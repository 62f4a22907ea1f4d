import { createRoute } from "@hono/zod-openapi";
import { createOrgBody, org, orgList, updateOrgBody } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope, userScope } from "../http/context.js";
import { bearer, jsonBody, noContent, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess, orgAccessBeforeInputErrors } from "../members/org-access.js";
import type { OrgsService } from "./orgs.service.js";

export function orgsRoutes(service: OrgsService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const session = authenticate(deps.authenticator, { sessionOnly: true });
  const anyToken = authenticate(deps.authenticator);
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs",
      operationId: "createOrg",
      summary: "Create an organization",
      description:
        "Creates an organization whose owner is the caller. Session tokens only; limited by `ORGS_PER_USER_PER_HOUR` (429).",
      tags: ["orgs"],
      security: bearer,
      middleware: [session],
      request: jsonBody(createOrgBody),
      responses: responses(201, org, "the new organization; the caller is its owner", [429]),
    }),
    async (c) => c.json(await service.create(userScope(c), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs",
      operationId: "listOrgs",
      summary: "List your organizations",
      description: "The organizations the signed-in user belongs to, oldest first. Session tokens only.",
      tags: ["orgs"],
      security: bearer,
      middleware: [session],
      request: { query: pageQuery },
      responses: responses(200, orgList, "organizations the caller belongs to"),
    }),
    async (c) => c.json(await service.list(c.var.user, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}",
      operationId: "getOrg",
      summary: "Get an organization",
      description:
        "The organization, the caller's role in it, its settings and creation time. Guests see `{id, name, role}` only, and so does a member without MFA when the organization requires it (`settings.authentication.requireMfa`): this route and leaving are all such a member may do, every other route of the organization answers 403 `mfa_required`.",
      tags: ["orgs"],
      security: bearer,
      // Open to a member without the MFA the org requires: their client can say why they are stopped.
      middleware: [anyToken, orgAccess(deps.db, "org.read", { mfaExempt: true })],
      request: { params: orgParams },
      responses: responses(200, org, "the organization; guests see name and role only"),
    }),
    async (c) => c.json(await service.get(c.var.access), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/orgs/{orgId}",
      operationId: "updateOrg",
      summary: "Update an organization",
      description:
        "Renames the organization and/or replaces settings objects: each object named (`preferences`, `notifications`, `authentication`) is replaced whole, the others are kept. A rename is recorded as `org.updated {name}`; settings that changed as `settings.updated {changed, settings}`, where `changed` names each field that differs (`authentication.requireMfa`, `notifications.billing`, `auditRetentionDays`, …) and `settings` is the whole of them after; settings sent unchanged record nothing. Owners; `settings.auditRetentionDays` only by an owner signed in as a user (an API key gets 403). Turning `settings.authentication.requireMfa` on takes effect at once: every member without MFA gets 403 `mfa_required` on the organization's routes and their live subscriptions are revoked on every node (`mfa_required`) before this answers; an owner without MFA themselves gets 409 `mfa_required_for_you` instead. API keys are not affected.",
      tags: ["orgs"],
      security: bearer,
      // The service checks access under the org's lock; the early check runs only for bad input.
      middleware: [anyToken, orgAccessBeforeInputErrors(deps.db, "org.manage")],
      request: { params: orgParams, ...jsonBody(updateOrgBody) },
      responses: responses(200, org, "the updated organization", [409]),
    }),
    async (c) => c.json(await service.update(requestScope(c), c.req.valid("param").orgId, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}",
      operationId: "deleteOrg",
      summary: "Delete an organization",
      description:
        "Soft delete, by an owner signed in as a user: from then on every route about the organization answers 404, and every socket of it is revoked (`org_deleted`) before this answers.",
      tags: ["orgs"],
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [anyToken],
      request: { params: orgParams },
      responses: noContent("deleted; every socket of the org is revoked"),
    }),
    async (c) => {
      await service.remove(requestScope(c), c.req.valid("param").orgId);
      return c.body(null, 204);
    },
  );

  return app;
}
