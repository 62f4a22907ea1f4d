import type { Logger } from "pino";
import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { apiKeysRoutes } from "./api-keys.routes.js";
import { createApiKeysService } from "./api-keys.service.js";

export { apiKeyResolver } from "./api-keys.resolver.js";

export function apiKeysModule(deps: {
  db: Db;
  sink: EventSink;
  log: Logger;
  authenticator: TokenAuthenticator;
  config: Pick<Config, "API_KEY_EXPIRY_SWEEP_MS">;
}) {
  const service = createApiKeysService(deps);
  const sweeper = setInterval(() => {
    service.expireDueKeys().catch((err) => deps.log.warn({ err }, "API key expiry sweep failed"));
  }, deps.config.API_KEY_EXPIRY_SWEEP_MS);
  sweeper.unref();
  return { service, routes: apiKeysRoutes(service, deps), stop: () => clearInterval(sweeper) };
}
