import { randomUUID } from "node:crypto";
import type { LoginBody, OrgRole, SignupBody, User } from "../../client-sdk/src/contract/index.js";
import type { Config } from "../config.js";
import type { UserActor } from "../core/actor.js";
import { AppError, unauthenticated } from "../core/errors.js";
import { enforceLimit, type RateLimiter } from "../core/rate-limit.js";
import type { Db } from "../db/database.js";
import type { UserRow } from "../db/tables/auth.table.js";
import * as repo from "./auth.repository.js";
import { hashPassword, verifyPassword } from "./password.js";
import { hashToken, newToken } from "./tokens.js";

/** Called after a session is revoked, to disconnect its sockets on every node. */
export interface SessionRevocations {
  sessionRevoked(sessionId: string): Promise<void>;
}

/** The caller's orgs with their roles, for `GET /v1/me` (the orgs domain answers it). */
export type OrgsOfUser = (userId: string) => Promise<{ id: string; name: string; role: OrgRole }[]>;

export interface AuthServiceDeps {
  db: Db;
  orgsOfUser: OrgsOfUser;
  limiter: RateLimiter;
  config: Pick<Config, "LOGIN_MAX_FAILURES" | "LOGIN_WINDOW_SECONDS" | "SIGNUPS_PER_IP_PER_HOUR">;
  revocations: SessionRevocations;
}

const HOUR_MS = 3_600_000;

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
}

export function createAuthService({ db, orgsOfUser, limiter, config, revocations }: AuthServiceDeps) {
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
      // The attempt is counted before the password is checked, in one atomic step (INCR in Redis,
      // a synchronous increment in memory), so concurrent attempts on any number of nodes each get
      // their own number and at most LOGIN_MAX_FAILURES wrong passwords are checked per window.
      // (Reading the count first and counting after the check let every concurrent attempt in.)
      enforceLimit(await limiter.hit(key, windowMs), config.LOGIN_MAX_FAILURES, "failed logins");
      const user = await repo.findUserByEmail(db, body.email);
      if (!(await verifyPassword(user?.password_hash, body.password)) || !user) {
        throw new AppError("unauthenticated", "email or password is wrong");
      }
      // A success takes back its own attempt and nothing more: the limit counts failures only, and
      // a reset would also wipe failures someone else is piling up against this account meanwhile.
      await limiter.undo(key);
      return openSession(user);
    },

    async logout(actor: UserActor) {
      await repo.revokeSession(db, actor.sessionId);
      await revocations.sessionRevoked(actor.sessionId);
    },

    async me(actor: UserActor) {
      const user = await repo.findUserById(db, actor.userId);
      if (!user) throw unauthenticated();
      const orgs = await orgsOfUser(actor.userId);
      return { user: toUser(user), orgs: orgs.map((o) => ({ id: o.id, name: o.name, role: o.role })) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
