import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { changeRoleBody, member, memberList } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import type { MembersService } from "./members.service.js";
import { orgAccess } from "./org-access.js";

const memberParams = z.object({ orgId: idParam, userId: idParam });

export function membersRoutes(service: MembersService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const anyToken = authenticate(deps.authenticator);
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/members",
      operationId: "listMembers",
      summary: "List members",
      description: "The members and their roles, oldest first. Owners, editors and viewers; guests get 403.",
      tags: ["members"],
      security: bearer,
      middleware: [anyToken, orgAccess(deps.db, "org.read_all")],
      request: { params: z.object({ orgId: idParam }), query: pageQuery },
      responses: responses(200, memberList, "members, oldest first"),
    }),
    async (c) => c.json(await service.list(c.var.access, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/orgs/{orgId}/members/{userId}",
      operationId: "setMemberRole",
      summary: "Change a member's role",
      description:
        "Owners. Demoting the last owner is 409 `last_owner`; the same role again changes nothing (200, no event). The member's live subscriptions are re-scoped before this answers.",
      tags: ["members"],
      security: bearer,
      middleware: [anyToken, orgAccess(deps.db, "org.manage")],
      request: { params: memberParams, ...jsonBody(changeRoleBody) },
      responses: responses(200, member, "the member with the new role", [409]),
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid("param");
      return c.json(await service.changeRole(requestScope(c), orgId, userId, c.req.valid("json")), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}/members/{userId}",
      operationId: "removeMember",
      summary: "Remove a member, or leave",
      description:
        "An owner removes anyone; any member may remove themselves (leave). The last owner cannot go (409 `last_owner`). The member's sockets are revoked on every node, and the API keys they created are revoked, before this answers.",
      tags: ["members"],
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [anyToken],
      request: { params: memberParams },
      responses: noContent("removed (or left); their sockets are revoked before this answers", [409]),
    }),
    async (c) => {
      const { orgId, userId } = c.req.valid("param");
      await service.remove(requestScope(c), orgId, userId);
      return c.body(null, 204);
    },
  );

  return app;
}
