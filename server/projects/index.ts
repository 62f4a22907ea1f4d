import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { projectsRoutes } from "./projects.routes.js";
import { createProjectsService, type ProjectDeletionHook } from "./projects.service.js";

export { projectIdsOfPairs } from "./projects.repository.js";

export function projectsModule(deps: {
  db: Db;
  sink: EventSink;
  authenticator: TokenAuthenticator;
  deletionHooks: ProjectDeletionHook[];
}) {
  const service = createProjectsService(deps);
  return { service, routes: projectsRoutes(service, deps) };
}
