import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { billingRoutes } from "./billing.routes.js";
import { createBillingService } from "./billing.service.js";

export function billingModule(deps: { db: Db; sink: EventSink; authenticator: TokenAuthenticator }) {
  const service = createBillingService(deps);
  return { service, routes: billingRoutes(service, deps) };
}
