import { createMiddleware } from "hono/factory";
import type { Actor } from "../core/actor.js";
import { AppError, unauthenticated } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { findLiveSession, touchSession } from "./auth.repository.js";
import { type SessionLifetimeConfig, sessionCutoffs, touchIntervalMs } from "./session-lifetime.js";
import { hashToken, isTokenShaped } from "./tokens.js";

/** Turns a bearer token into an Actor; other domains (API keys) register their own resolvers. */
export type TokenResolver = (token: string) => Promise<Actor | undefined>;

/** How long a node trusts a session lookup, at most (see `sessionResolver`). */
const SESSION_CACHE_MS = 10_000;
const SESSION_CACHE_MAX = 10_000;

/** A session resolver that remembers recent lookups; `forget` drops a session at once. */
export type SessionResolver = TokenResolver & { forget(sessionId: string): void };

/**
 * Session tokens; a use keeps the session from going idle (throttled, see touchIntervalMs).
 *
 * A node remembers a lookup for up to 10 s (never past the session's next touch or its maximum
 * age), so a client's burst of requests or socket handshakes reads the session once. It cannot
 * outlive a revocation: logout, session revocation and password change call `forget` on every
 * node (acknowledged) before they answer. It authenticates only; roles are read on every request.
 */
export function sessionResolver(db: Db, config: SessionLifetimeConfig): SessionResolver {
  const touchMs = touchIntervalMs(config);
  const maxAgeMs = config.SESSION_MAX_AGE_SECONDS * 1000;
  /**
   * Touches this node has in flight or just made, by session: a burst of requests (a reconnect
   * storm) of one session writes its row once, instead of queueing on its row lock.
   */
  const touching = new Map<string, number>();
  const remembered = new Map<string, { actor: Actor; until: number }>();
  const resolve = async (token: string): Promise<Actor | undefined> => {
    if (!isTokenShaped(token)) return undefined;
    const now = Date.now();
    const tokenHash = hashToken(token);
    const hit = remembered.get(tokenHash);
    if (hit && hit.until > now) return hit.actor;
    const session = await findLiveSession(db, tokenHash, sessionCutoffs(config, now));
    if (!session) {
      remembered.delete(tokenHash);
      return undefined;
    }
    let lastSeen = session.lastSeenAt.getTime();
    if (now - lastSeen >= touchMs && now - (touching.get(session.sessionId) ?? 0) >= touchMs) {
      touching.set(session.sessionId, now);
      if (touching.size > 10_000) for (const [id, at] of touching) if (now - at >= touchMs) touching.delete(id);
      await touchSession(db, session.sessionId, new Date(now - touchMs));
      lastSeen = now;
    }
    const actor: Actor = { type: "user", userId: session.userId, email: session.email, sessionId: session.sessionId };
    if (remembered.size >= SESSION_CACHE_MAX) {
      for (const [key, entry] of remembered) if (entry.until <= now) remembered.delete(key);
      if (remembered.size >= SESSION_CACHE_MAX) remembered.clear();
    }
    // Until the next touch is due, so use keeps an idle-limited session alive as without the cache.
    const until = Math.min(now + SESSION_CACHE_MS, lastSeen + touchMs, session.createdAt.getTime() + maxAgeMs);
    remembered.set(tokenHash, { actor, until });
    return actor;
  };
  return Object.assign(resolve, {
    forget(sessionId: string) {
      for (const [key, entry] of remembered) {
        if (entry.actor.type === "user" && entry.actor.sessionId === sessionId) remembered.delete(key);
      }
    },
  });
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
