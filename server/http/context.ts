import type { Logger } from "pino";
import type { Actor, RequestContext, UserActor } from "../core/actor.js";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    log: Logger;
    /** Set by the authenticate middleware on routes that need a bearer token. */
    actor: Actor;
    /** The same caller, typed as a signed-in user, on routes that refuse API keys (`sessionOnly`). */
    user: UserActor;
    /** ip, user agent and request id, recorded with each event this request writes. */
    requestContext: RequestContext;
  }
}

export type AppEnv = { Variables: import("hono").ContextVariableMap };
