import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  acceptedInvitation,
  createInvitationBody,
  invitation,
  invitationList,
  invitationPreview,
  invitationToken,
} from "../../client-sdk/src/contract/index.js";
import type { UserActor } from "../auth/actor.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { pageQuery } from "../http/cursor.js";
import { bearer, idParam, jsonBody, noContent, orgParams, responses } from "../http/openapi.js";
import { orgAccess } from "../http/org-access.js";
import { createRouter } from "../http/router.js";
import type { InvitationsService } from "./invitations.service.js";

const invitationParams = z.object({ orgId: idParam, invitationId: idParam });
/** A token that is not base64url of at least 32 characters fails here, as a 404. */
const tokenParams = z.object({ token: invitationToken });

export function invitationsRoutes(service: InvitationsService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const anyToken = authenticate(deps.authenticator);
  const session = authenticate(deps.authenticator, { sessionOnly: true });
  // Checked before the body (and before the rate limit counts), and again under the org's lock.
  const owner = [anyToken, orgAccess(deps.db, "org.manage")];
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/invitations",
      tags: ["invitations"],
      security: bearer,
      middleware: owner,
      request: { params: orgParams, ...jsonBody(createInvitationBody) },
      responses: responses(201, invitation, "the invitation; the mail with its link is sent"),
    }),
    async (c) =>
      c.json(
        await service.create(c.var.actor, c.var.requestContext, c.req.valid("param").orgId, c.req.valid("json")),
        201,
      ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/invitations",
      tags: ["invitations"],
      security: bearer,
      middleware: owner,
      request: { params: orgParams, query: pageQuery },
      responses: responses(200, invitationList, "pending invitations (not accepted, revoked or expired), oldest first"),
    }),
    async (c) => c.json(await service.list(c.var.access, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}/invitations/{invitationId}",
      tags: ["invitations"],
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [anyToken],
      request: { params: invitationParams },
      responses: noContent("revoked: its link answers 404 from now on"),
    }),
    async (c) => {
      const { orgId, invitationId } = c.req.valid("param");
      await service.revoke(c.var.actor, c.var.requestContext, orgId, invitationId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/invitations/{invitationId}/resend",
      tags: ["invitations"],
      security: bearer,
      middleware: owner,
      request: { params: invitationParams },
      responses: responses(200, invitation, "a new link (the old one is dead) and a new 7-day expiry; mailed again"),
    }),
    async (c) => {
      const { orgId, invitationId } = c.req.valid("param");
      return c.json(await service.resend(c.var.actor, c.var.requestContext, orgId, invitationId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/invitations/{token}",
      tags: ["invitations"],
      request: { params: tokenParams },
      responses: responses(200, invitationPreview, "the org, email, role and expiry; 410 when used or expired"),
    }),
    async (c) => c.json(await service.preview(c.req.valid("param").token), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/invitations/{token}/accept",
      tags: ["invitations"],
      security: bearer,
      middleware: [session],
      request: { params: tokenParams },
      responses: responses(200, acceptedInvitation, "joined: the org and the role"),
    }),
    async (c) =>
      c.json(await service.accept(c.var.actor as UserActor, c.var.requestContext, c.req.valid("param").token), 200),
  );

  return app;
}
