import type { Context } from "hono";
import type { Logger } from "pino";
import type { Actor, RequestContext, RequestScope, UserActor } from "../core/actor.js";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    log: Logger;
    /** Set by the authenticate middleware on routes that need a bearer token. */
    actor: Actor;
    /**
     * On mutation routes whose service checks access under the org's lock: the access check that
     * must answer (404, 403) before an input error does. The validators run it only on a failure.
     */
    accessBeforeInputErrors?: () => Promise<unknown>;
    /** The same caller, typed as a signed-in user, on routes that refuse API keys (`sessionOnly`). */
    user: UserActor;
    /** ip, user agent and request id, recorded with each event this request writes. */
    requestContext: RequestContext;
  }
}

export type AppEnv = { Variables: import("hono").ContextVariableMap };

/** The request's scope for a service call: the authenticated caller and the request's context. */
export const requestScope = (c: Context): RequestScope => ({ actor: c.var.actor, context: c.var.requestContext });

/** The same, on a session-only route: the caller is a user. */
export const userScope = (c: Context): RequestScope<UserActor> => ({
  actor: c.var.user,
  context: c.var.requestContext,
});
