import { createMiddleware } from "hono/factory";
import type { Actor } from "../core/actor.js";
import { AppError, unauthenticated } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { findLiveSession, touchSession } from "./auth.repository.js";
import { type SessionLifetimeConfig, sessionCutoffs, touchIntervalMs } from "./session-lifetime.js";
import { hashToken, isTokenShaped } from "./tokens.js";

/** Turns a bearer token into an Actor; other domains (API keys) register their own resolvers. */
export type TokenResolver = (token: string) => Promise<Actor | undefined>;

/** Session tokens; a use keeps the session from going idle (throttled, see touchIntervalMs). */
export function sessionResolver(db: Db, config: SessionLifetimeConfig): TokenResolver {
  const touchMs = touchIntervalMs(config);
  /**
   * Touches this node has in flight or just made, by session: a burst of requests (a reconnect
   * storm) of one session writes its row once, instead of queueing on its row lock.
   */
  const touching = new Map<string, number>();
  return async (token) => {
    if (!isTokenShaped(token)) return undefined;
    const now = Date.now();
    const session = await findLiveSession(db, hashToken(token), sessionCutoffs(config, now));
    if (!session) return undefined;
    const stale = now - session.lastSeenAt.getTime() >= touchMs;
    if (stale && now - (touching.get(session.sessionId) ?? 0) >= touchMs) {
      touching.set(session.sessionId, now);
      if (touching.size > 10_000) for (const [id, at] of touching) if (now - at >= touchMs) touching.delete(id);
      await touchSession(db, session.sessionId, new Date(now - touchMs));
    }
    return { type: "user", userId: session.userId, email: session.email, sessionId: session.sessionId };
  };
}

/** Tries each resolver in turn; undefined when none knows the token. */
export function createTokenAuthenticator(resolvers: TokenResolver[]) {
  return async (token: string | undefined): Promise<Actor | undefined> => {
    if (!token || token.length > 512) return undefined;
    for (const resolve of resolvers) {
      const actor = await resolve(token);
      if (actor) return actor;
    }
    return undefined;
  };
}

export type TokenAuthenticator = ReturnType<typeof createTokenAuthenticator>;

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/**
 * 401 unless the request carries a live token; sets `actor`. `sessionOnly` refuses API keys and
 * also sets `user`, the same caller typed as a user.
 */
export function authenticate(authenticator: TokenAuthenticator, options: { sessionOnly?: boolean } = {}) {
  return createMiddleware(async (c, next) => {
    const actor = await authenticator(bearerToken(c.req.header("authorization")));
    if (!actor) throw unauthenticated();
    if (options.sessionOnly && actor.type !== "user") {
      throw new AppError("forbidden", "this route needs a user session, not an API key");
    }
    c.set("actor", actor);
    if (actor.type === "user") c.set("user", actor);
    await next();
  });
}
