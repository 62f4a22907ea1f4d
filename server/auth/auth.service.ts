import { randomUUID } from "node:crypto";
import type { LoginBody, SignupBody, User } from "../../client-sdk/src/contract/index.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { AppError, unauthenticated } from "../http/errors.js";
import { enforceLimit, type RateLimiter } from "../http/rate-limit.js";
import { listOrgsOfUser } from "../orgs/orgs.repository.js";
import type { UserActor } from "./actor.js";
import * as repo from "./auth.repository.js";
import type { UserRow } from "./auth.table.js";
import { hashPassword, verifyPassword } from "./password.js";
import { hashToken, newToken } from "./tokens.js";

/** Called after a session is revoked, to disconnect its sockets on every node. */
export interface SessionRevocations {
  sessionRevoked(sessionId: string): Promise<void>;
}

export interface AuthServiceDeps {
  db: Db;
  limiter: RateLimiter;
  config: Pick<Config, "LOGIN_MAX_FAILURES" | "LOGIN_WINDOW_SECONDS" | "SIGNUPS_PER_IP_PER_HOUR">;
  revocations: SessionRevocations;
}

const HOUR_MS = 3_600_000;

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
}

export function createAuthService({ db, limiter, config, revocations }: AuthServiceDeps) {
  async function openSession(user: UserRow) {
    const token = newToken();
    await repo.insertSession(db, { id: randomUUID(), userId: user.id, tokenHash: hashToken(token) });
    return { user: toUser(user), token };
  }

  return {
    async signup(body: SignupBody, ip: string | null) {
      enforceLimit(await limiter.hit(`signup:${ip ?? "unknown"}`, HOUR_MS), config.SIGNUPS_PER_IP_PER_HOUR, "signups");
      const passwordHash = await hashPassword(body.password);
      const user = await repo.insertUser(db, { id: randomUUID(), email: body.email, name: body.name, passwordHash });
      if (!user) throw new AppError("conflict", "an account with this email already exists");
      return openSession(user);
    },

    /** One 401 for an unknown email and a wrong password; failures per account are limited. */
    async login(body: LoginBody) {
      const key = `login-failures:${body.email}`;
      const windowMs = config.LOGIN_WINDOW_SECONDS * 1000;
      enforceLimit(await limiter.peek(key, windowMs), config.LOGIN_MAX_FAILURES - 1, "failed logins");
      const user = await repo.findUserByEmail(db, body.email);
      if (!(await verifyPassword(user?.password_hash, body.password)) || !user) {
        await limiter.hit(key, windowMs);
        throw new AppError("unauthenticated", "email or password is wrong");
      }
      return openSession(user);
    },

    async logout(actor: UserActor) {
      await repo.revokeSession(db, actor.sessionId);
      await revocations.sessionRevoked(actor.sessionId);
    },

    async me(actor: UserActor) {
      const user = await repo.findUserById(db, actor.userId);
      if (!user) throw unauthenticated();
      const orgs = await listOrgsOfUser(db, actor.userId, { limit: 1000 });
      return { user: toUser(user), orgs: orgs.map((o) => ({ id: o.id, name: o.name, role: o.role })) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
