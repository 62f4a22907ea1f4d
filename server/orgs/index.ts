import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Config } from "../config.js";
import type { RateLimiter } from "../core/rate-limit.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { orgsRoutes } from "./orgs.routes.js";
import { createOrgsService } from "./orgs.service.js";

export function orgsModule(deps: {
  db: Db;
  sink: EventSink;
  limiter: RateLimiter;
  config: Config;
  authenticator: TokenAuthenticator;
}) {
  const service = createOrgsService(deps);
  return { service, routes: orgsRoutes(service, deps) };
}
