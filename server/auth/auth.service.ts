import { randomUUID } from "node:crypto";
import type {
  AuthResult,
  LoginBody,
  LoginMfaBody,
  LoginResult,
  OrgRole,
  SignupBody,
  User,
} from "../../client-sdk/src/contract/index.js";
import type { Config } from "../config.js";
import type { RequestContext, UserActor } from "../core/actor.js";
import { AppError, unauthenticated } from "../core/errors.js";
import { enforceLimit, type RateLimiter } from "../core/rate-limit.js";
import type { Db, Executor } from "../db/database.js";
import type { UserRow } from "../db/tables/auth.table.js";
import * as repo from "./auth.repository.js";
import { loginLimit } from "./login-limit.js";
import * as mfa from "./mfa.repository.js";
import { hashPassword, verifyPassword } from "./password.js";
import { secondFactor } from "./second-factor.js";
import { hashToken, newToken } from "./tokens.js";
import type { MfaCipher } from "./totp.js";

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
  /** Encrypts and decrypts TOTP secrets (server/auth/totp.ts). */
  mfaCipher: MfaCipher;
}

const HOUR_MS = 3_600_000;
/** How long the MFA step of a login may take after its password. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString() };
}

export function createAuthService({ db, orgsOfUser, limiter, config, revocations, mfaCipher }: AuthServiceDeps) {
  const limit = loginLimit(limiter, config);
  const factor = secondFactor(mfaCipher);

  /** A new session, remembered with where it was opened from (for the sessions list). */
  async function openSession(exec: Executor, user: UserRow, context: RequestContext): Promise<AuthResult> {
    const token = newToken();
    await repo.insertSession(exec, {
      id: randomUUID(),
      userId: user.id,
      tokenHash: hashToken(token),
      ip: context.ip,
      userAgent: context.userAgent,
    });
    return { user: toUser(user), token };
  }

  return {
    async signup(body: SignupBody, context: RequestContext) {
      enforceLimit(
        await limiter.hit(`signup:${context.ip ?? "unknown"}`, HOUR_MS),
        config.SIGNUPS_PER_IP_PER_HOUR,
        "signups",
      );
      const passwordHash = await hashPassword(body.password);
      const user = await repo.insertUser(db, { id: randomUUID(), email: body.email, name: body.name, passwordHash });
      if (!user) throw new AppError("conflict", "an account with this email already exists");
      return openSession(db, user, context);
    },

    /**
     * One 401 for an unknown email and a wrong password; failures per account are limited (see
     * login-limit.ts). With MFA on, a right password gives a challenge instead of a session.
     */
    async login(body: LoginBody, context: RequestContext): Promise<LoginResult> {
      await limit.attempt(body.email);
      const user = await repo.findUserByEmail(db, body.email);
      if (!(await verifyPassword(user?.password_hash, body.password)) || !user) {
        throw new AppError("unauthenticated", "email or password is wrong");
      }
      await limit.succeeded(body.email);
      if (!(await mfa.usersWithMfa(db, [user.id])).has(user.id)) return openSession(db, user, context);
      const challenge = newToken();
      const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS);
      await mfa.insertChallenge(db, { id: randomUUID(), userId: user.id, tokenHash: hashToken(challenge), expiresAt });
      return { mfaRequired: true, challenge, expiresAt: expiresAt.toISOString() };
    },

    /**
     * The MFA step: the challenge of a login whose password was right, and a code or a recovery
     * code. A wrong code is a 401 that counts toward the account's login limit; the challenge stays
     * usable until it expires. A right one uses the challenge up, in the same transaction that
     * opens the session: of two requests racing with one challenge, one gets a session.
     */
    async loginMfa(body: LoginMfaBody, context: RequestContext): Promise<AuthResult> {
      const tokenHash = hashToken(body.challenge);
      const challenge = await mfa.findChallenge(db, tokenHash);
      const user = challenge && (await repo.findUserById(db, challenge.userId));
      if (!user) throw new AppError("unauthenticated", "the challenge is unknown, used or expired: log in again");
      await limit.attempt(user.email);
      const result = await db.transaction().execute(async (trx) => {
        const locked = await mfa.findChallenge(trx, tokenHash, { lock: true });
        if (!locked) throw new AppError("unauthenticated", "the challenge is unknown, used or expired: log in again");
        const totp = await mfa.findTotp(trx, user.id);
        if (!totp?.enabled_at || !(await factor.prove(trx, user.id, totp.secret, body))) return undefined;
        await mfa.deleteChallenge(trx, locked.id);
        return openSession(trx, user, context);
      });
      if (!result) throw new AppError("unauthenticated", "the code is wrong or was already used");
      await limit.succeeded(user.email);
      return result;
    },

    async logout(actor: UserActor) {
      await repo.revokeSession(db, actor.sessionId);
      await revocations.sessionRevoked(actor.sessionId);
    },

    async me(actor: UserActor) {
      const user = await repo.findUserById(db, actor.userId);
      if (!user) throw unauthenticated();
      const [orgs, withMfa] = await Promise.all([orgsOfUser(actor.userId), mfa.usersWithMfa(db, [actor.userId])]);
      return {
        user: toUser(user),
        orgs: orgs.map((o) => ({ id: o.id, name: o.name, role: o.role })),
        mfaEnabled: withMfa.has(actor.userId),
      };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
