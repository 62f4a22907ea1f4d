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
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope, userScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, noToken, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess } from "../members/org-access.js";
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
      operationId: "createInvitation",
      summary: "Invite someone by email",
      description:
        "Owners. Mails a link valid for 7 days; `projects` adds project roles on acceptance. A pending invitation for the email is 409 `conflict`, a member 409 `already_member`, an email outside `settings.authentication.allowedEmailDomains` 403 `domain_not_allowed`. Limited by `INVITATIONS_PER_ORG_PER_HOUR` and `INVITATIONS_PER_USER_PER_HOUR` (429).",
      tags: ["invitations"],
      security: bearer,
      middleware: owner,
      request: { params: orgParams, ...jsonBody(createInvitationBody) },
      responses: responses(201, invitation, "the invitation; the mail with its link is sent", [409, 429]),
    }),
    async (c) => c.json(await service.create(requestScope(c), c.req.valid("param").orgId, c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/invitations",
      operationId: "listInvitations",
      summary: "List pending invitations",
      description: "Invitations neither accepted, revoked nor expired, oldest first. Owners.",
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
      operationId: "revokeInvitation",
      summary: "Revoke an invitation",
      description: "Its link answers 404 from now on. Owners.",
      tags: ["invitations"],
      security: bearer,
      // No body to validate, so no early check: the service checks under the org's lock.
      middleware: [anyToken],
      request: { params: invitationParams },
      responses: noContent("revoked: its link answers 404 from now on"),
    }),
    async (c) => {
      const { orgId, invitationId } = c.req.valid("param");
      await service.revoke(requestScope(c), orgId, invitationId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/invitations/{invitationId}/resend",
      operationId: "resendInvitation",
      summary: "Resend an invitation",
      description:
        "Replaces the token (the old link then answers 404), restarts the 7 days and mails the link again, after the same checks and limits as an invitation. Owners.",
      tags: ["invitations"],
      security: bearer,
      middleware: owner,
      request: { params: invitationParams },
      responses: responses(
        200,
        invitation,
        "a new link (the old one is dead) and a new 7-day expiry; mailed again",
        [409, 429],
      ),
    }),
    async (c) => {
      const { orgId, invitationId } = c.req.valid("param");
      return c.json(await service.resend(requestScope(c), orgId, invitationId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/invitations/{token}",
      operationId: "previewInvitation",
      summary: "Preview an invitation",
      description:
        "What the mailed link offers: the organization, the invited email, the role and the expiry. No token needed. An unknown or revoked invitation is 404, a used or expired one 410.",
      tags: ["invitations"],
      security: noToken,
      request: { params: tokenParams },
      responses: responses(200, invitationPreview, "the org, email, role and expiry; 410 when used or expired", [410]),
    }),
    async (c) => c.json(await service.preview(c.req.valid("param").token), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/invitations/{token}/accept",
      operationId: "acceptInvitation",
      summary: "Accept an invitation",
      description:
        "Joins the organization with the invited role (and project roles), as the signed-in user, whose email must be the invited one (403 otherwise). Used or expired is 410, already a member 409 `already_member`. Session tokens only.",
      tags: ["invitations"],
      security: bearer,
      middleware: [session],
      request: { params: tokenParams },
      responses: responses(200, acceptedInvitation, "joined: the org and the role", [409, 410]),
    }),
    async (c) => c.json(await service.accept(userScope(c), c.req.valid("param").token), 200),
  );

  return app;
}
