import type { ApiKeyRole, EventActor } from "../../client-sdk/src/contract/index.js";

/** Who makes a request: resolved from the bearer token on every request and handshake. */
export type Actor = UserActor | ApiKeyActor;

export interface UserActor {
  type: "user";
  userId: string;
  email: string;
  sessionId: string;
}

export interface ApiKeyActor {
  type: "api_key";
  keyId: string;
  /** A key works only in its own org. */
  orgId: string;
  /** The key acts with the lesser of this role and its creator's current role. */
  role: ApiKeyRole;
  creatorId: string;
  audit: boolean;
}

/** Request metadata recorded in the event's `context` (audit viewers only). */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Who asks and from where: what a service needs of the request, as one value. */
export interface RequestScope<A extends Actor = Actor> {
  actor: A;
  context: RequestContext;
}

export function actorRef(actor: Actor): EventActor {
  return actor.type === "user"
    ? { type: "user", id: actor.userId, email: actor.email }
    : { type: "api_key", id: actor.keyId };
}

/** The user whose memberships bound what this actor may do. */
export const principalUserId = (actor: Actor) => (actor.type === "user" ? actor.userId : actor.creatorId);
