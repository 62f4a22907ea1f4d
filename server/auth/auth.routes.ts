import { createRoute } from "@hono/zod-openapi";
import { authResult, loginBody, me, signupBody } from "../../client-sdk/src/contract/index.js";
import { bearer, jsonBody, noContent, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import type { UserActor } from "./actor.js";
import type { AuthService } from "./auth.service.js";
import { authenticate, type TokenAuthenticator } from "./authenticate.js";

export function authRoutes(service: AuthService, authenticator: TokenAuthenticator) {
  const sessionOnly = authenticate(authenticator, { sessionOnly: true });
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/signup",
      tags: ["auth"],
      request: jsonBody(signupBody),
      responses: responses(201, authResult, "account created, with a session token"),
    }),
    async (c) => c.json(await service.signup(c.req.valid("json"), c.var.requestContext.ip), 201),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      tags: ["auth"],
      request: jsonBody(loginBody),
      responses: responses(200, authResult, "a new session token"),
    }),
    async (c) => c.json(await service.login(c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      responses: noContent("session revoked, its sockets disconnected"),
    }),
    async (c) => {
      await service.logout(c.var.actor as UserActor);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/me",
      tags: ["auth"],
      security: bearer,
      middleware: [sessionOnly],
      responses: responses(200, me, "the user and their organizations"),
    }),
    async (c) => c.json(await service.me(c.var.actor as UserActor), 200),
  );

  return app;
}
