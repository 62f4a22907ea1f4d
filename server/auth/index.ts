import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { RateLimiter } from "../core/rate-limit.js";
import type { Db } from "../db/database.js";
import { accountRoutes } from "./account.routes.js";
import { type AccountServiceDeps, createAccountService } from "./account.service.js";
import { authRoutes } from "./auth.routes.js";
import { createAuthService, type OrgsOfUser, type SessionRevocations } from "./auth.service.js";
import type { TokenAuthenticator } from "./authenticate.js";
import { startSessionSweep } from "./session-lifetime.js";
import { createMfaCipher } from "./totp.js";

export function authModule(deps: {
  db: Db;
  limiter: RateLimiter;
  config: Config;
  log: Logger;
  revocations: SessionRevocations;
  authenticator: TokenAuthenticator;
  orgsOfUser: OrgsOfUser;
  /** The key TOTP secrets are encrypted with (see mfa-key.ts). */
  mfaKey: Buffer;
  /** Records MFA turned on or off in the user's orgs (see AccountServiceDeps). */
  onMfaChanged?: AccountServiceDeps["onMfaChanged"];
}) {
  const mfaCipher = createMfaCipher(deps.mfaKey);
  const service = createAuthService({ ...deps, mfaCipher });
  const account = createAccountService({ ...deps, mfaCipher });
  const stop = startSessionSweep(deps);
  return {
    service,
    account,
    routes: [authRoutes(service, deps.authenticator), accountRoutes(account, deps.authenticator)],
    stop,
  };
}
