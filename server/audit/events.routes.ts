import { createRoute } from "@hono/zod-openapi";
import { eventPage, eventsQuery } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { bearer, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess } from "../members/org-access.js";
import type { EventsService } from "./events.service.js";

export function eventsRoutes(service: EventsService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/events",
      operationId: "listEvents",
      summary: "Read the event log",
      description:
        "The events the caller may see after `since`, in `seq` order. `nextCursor` is the `since` of the next page, or null at the end. The same events arrive live over Socket.IO.",
      tags: ["events"],
      security: bearer,
      middleware: [authenticate(deps.authenticator), orgAccess(deps.db, "org.read")],
      request: { params: orgParams, query: eventsQuery },
      responses: responses(200, eventPage, "the caller's view of the event log; nextCursor is the next `since`"),
    }),
    async (c) => c.json(await service.page(c.var.access, c.req.valid("query")), 200),
  );
  return app;
}
