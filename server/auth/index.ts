import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { RateLimiter } from "../core/rate-limit.js";
import type { Db } from "../db/database.js";
import { authRoutes } from "./auth.routes.js";
import { createAuthService, type OrgsOfUser, type SessionRevocations } from "./auth.service.js";
import type { TokenAuthenticator } from "./authenticate.js";
import { startSessionSweep } from "./session-lifetime.js";

export function authModule(deps: {
  db: Db;
  limiter: RateLimiter;
  config: Config;
  log: Logger;
  revocations: SessionRevocations;
  authenticator: TokenAuthenticator;
  orgsOfUser: OrgsOfUser;
}) {
  const service = createAuthService(deps);
  const stop = startSessionSweep(deps);
  return { service, routes: authRoutes(service, deps.authenticator), stop };
}
