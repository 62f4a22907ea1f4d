import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  changePasswordBody,
  confirmTotpBody,
  mfaProofBody,
  recoveryCodes,
  sessionList,
  totpEnrolment,
} from "../../client-sdk/src/contract/index.js";
import { pageQuery } from "../core/paging.js";
import { userScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import type { AccountService } from "./account.service.js";
import { authenticate, type TokenAuthenticator } from "./authenticate.js";

const SESSION_ONLY = "Session tokens only: an API key gets 403.";

/** `/v1/me/…`: the signed-in user's MFA, sessions and password. Session tokens only. */
export function accountRoutes(service: AccountService, authenticator: TokenAuthenticator) {
  const sessionOnly = authenticate(authenticator, { sessionOnly: true });
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/totp",
      operationId: "startTotpEnrolment",
      summary: "Start TOTP enrolment",
      description: `A new TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s), as base32 and as an \`otpauth://\` URL for a QR code; it is stored encrypted and shown this once. MFA stays off until \`POST /v1/me/mfa/totp/confirm\` gets a code; starting again replaces a pending secret. 409 \`conflict\` when MFA is already on. ${SESSION_ONLY}`,
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      responses: responses(200, totpEnrolment, "the secret to put in an authenticator app", [409]),
    }),
    async (c) => c.json(await service.startTotp(c.var.user), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/me/mfa/totp/confirm",
      operationId: "confirmTotp",
      summary: "Turn TOTP MFA on",
      description: `Confirms the enrolment with a code from the app and turns MFA on: from now on login asks for a code. Recorded as \`member.mfa_changed\` in each organization of the caller (owners see it). Answers 10 single-use recovery codes, shown this once (only their hashes are kept). A wrong code is 403 \`invalid_credentials\` and counts toward the account's login limit (429). 409 \`conflict\` without a pending enrolment. ${SESSION_ONLY}`,
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      request: jsonBody(confirmTotpBody),
      responses: responses(200, recoveryCodes, "MFA is on; the recovery codes", [409, 429]),
    }),
    async (c) => c.json(await service.confirmTotp(userScope(c), c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/me/mfa/totp",
      operationId: "disableTotp",
      summary: "Turn TOTP MFA off",
      description: `Turns MFA off with \`{code}\` (from the app) or \`{recoveryCode}\`, exactly one; the secret and the recovery codes are deleted. Recorded as \`member.mfa_changed\` in each organization of the caller; where one requires MFA, the caller's live subscriptions are revoked on every node (\`mfa_required\`) before this answers. A wrong code is 403 \`invalid_credentials\` and counts toward the account's login limit (429). 409 \`conflict\` when MFA is not on. ${SESSION_ONLY}`,
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      request: jsonBody(mfaProofBody),
      responses: noContent("MFA is off", [409, 429]),
    }),
    async (c) => {
      await service.disableTotp(userScope(c), c.req.valid("json"));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/me/sessions",
      operationId: "listSessions",
      summary: "List my sessions",
      description: `The account's live sessions (not logged out, revoked or past a lifetime), oldest first: when each was opened and last used, and the client address and user agent it was opened from. \`current\` marks the one asking. ${SESSION_ONLY}`,
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      request: { query: pageQuery },
      responses: responses(200, sessionList, "live sessions"),
    }),
    async (c) => c.json(await service.listSessions(c.var.user, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/me/sessions/{sessionId}",
      operationId: "revokeSession",
      summary: "Revoke one of my sessions",
      description: `From now on the session's token gets 401, and its live subscriptions are revoked on every node (\`session_revoked\`) before this answers. The current session may be revoked too (a logout). 404 for a session that is not the caller's, or already revoked. ${SESSION_ONLY}`,
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      request: { params: z.object({ sessionId: idParam }) },
      responses: noContent("revoked, its sockets disconnected"),
    }),
    async (c) => {
      await service.revokeSession(c.var.user, c.req.valid("param").sessionId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/me/password",
      operationId: "changePassword",
      summary: "Change my password",
      description: `Sets a new password (at least 10 characters) and revokes every other session of the account, their live subscriptions on every node before this answers; the current session stays. A wrong \`currentPassword\` is 403 \`invalid_credentials\` and counts toward the account's login limit (429); 409 \`conflict\` when another change of the password committed meanwhile. ${SESSION_ONLY}`,
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      request: jsonBody(changePasswordBody),
      responses: noContent("changed; the other sessions revoked", [409, 429]),
    }),
    async (c) => {
      await service.changePassword(c.var.user, c.req.valid("json"));
      return c.body(null, 204);
    },
  );

  return app;
}
