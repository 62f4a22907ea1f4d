import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { eventsRoutes } from "./events.routes.js";
import { createEventsService } from "./events.service.js";

export function auditModule(deps: { db: Db; authenticator: TokenAuthenticator }) {
  const events = createEventsService(deps);
  return { events, routes: eventsRoutes(events, deps) };
}
