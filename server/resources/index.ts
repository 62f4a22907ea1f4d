import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { resourcesRoutes } from "./resources.routes.js";
import { createResourcesService } from "./resources.service.js";

export { deleteResourcesOfProject } from "./resources.service.js";

export function resourcesModule(deps: { db: Db; sink: EventSink; authenticator: TokenAuthenticator }) {
  const service = createResourcesService(deps);
  return { service, routes: resourcesRoutes(service, deps) };
}
