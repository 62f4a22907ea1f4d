import { createRoute } from "@hono/zod-openapi";
import {
  authResult,
  loginBody,
  loginMfaBody,
  loginResult,
  me,
  signupBody,
} from "../../client-sdk/src/contract/index.js";
import { bearer, jsonBody, noContent, noToken, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import type { AuthService } from "./auth.service.js";
import { authenticate, type TokenAuthenticator } from "./authenticate.js";

export function authRoutes(service: AuthService, authenticator: TokenAuthenticator) {
  const sessionOnly = authenticate(authenticator, { sessionOnly: true });
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/signup",
      operationId: "signup",
      summary: "Create an account",
      description:
        "Creates a user and signs them in: the answer carries a session token for `Authorization: Bearer`. An email already taken is 409 `conflict`; signups per client address are limited by `SIGNUPS_PER_IP_PER_HOUR` (429).",
      tags: ["auth"],
      security: noToken,
      request: jsonBody(signupBody),
      responses: responses(201, authResult, "account created, with a session token", [409, 429]),
    }),
    async (c) => c.json(await service.signup(c.req.valid("json"), c.var.requestContext), 201),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      operationId: "login",
      summary: "Log in",
      description:
        "Exchanges an email and password for a new session token. For an account with MFA on, the answer is `{mfaRequired: true, challenge, expiresAt}` instead: send the challenge with a code to `POST /v1/auth/login/mfa` within 5 minutes. A wrong email or password is 401. After `LOGIN_MAX_FAILURES` failures for one email within `LOGIN_WINDOW_SECONDS` (wrong passwords and wrong MFA codes alike), 429 until the window ends.",
      tags: ["auth"],
      security: noToken,
      request: jsonBody(loginBody),
      responses: responses(200, loginResult, "a new session token, or the challenge of the MFA step", [401, 429]),
    }),
    async (c) => c.json(await service.login(c.req.valid("json"), c.var.requestContext), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/login/mfa",
      operationId: "loginMfa",
      summary: "Log in: the MFA step",
      description:
        "Answers login's `challenge` with `code` (from the authenticator app) or `recoveryCode`, exactly one, and gives the session (the same answer as a login without MFA). A code is accepted once; a recovery code works once. A challenge is single-use and lasts 5 minutes; unknown, used or expired is 401, and so is a wrong code (the challenge stays usable until it expires). Wrong codes count toward the account's login limit (429).",
      tags: ["auth"],
      security: noToken,
      request: jsonBody(loginMfaBody),
      responses: responses(200, authResult, "a new session token", [401, 429]),
    }),
    async (c) => c.json(await service.loginMfa(c.req.valid("json"), c.var.requestContext), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      operationId: "logout",
      summary: "Log out",
      description:
        "Revokes the session. Its live subscriptions are revoked on every node before this answers. Session tokens only: an API key gets 403.",
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      responses: noContent("session revoked, its sockets disconnected"),
    }),
    async (c) => {
      await service.logout(c.var.user);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/me",
      operationId: "getMe",
      summary: "Get the signed-in user",
      description:
        "The user behind the session token, the organizations they belong to with their role in each, and whether MFA is on. Session tokens only: an API key gets 403.",
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      responses: responses(200, me, "the user and their organizations"),
    }),
    async (c) => c.json(await service.me(c.var.user), 200),
  );

  return app;
}
