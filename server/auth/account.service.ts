import type {
  ChangePasswordBody,
  ConfirmTotpBody,
  MfaProofBody,
  RecoveryCodes,
  Session,
  TotpEnrolment,
} from "../../client-sdk/src/contract/index.js";
import type { Config } from "../config.js";
import type { RequestScope, UserActor } from "../core/actor.js";
import { AppError, notFound, unauthenticated } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import type { RateLimiter } from "../core/rate-limit.js";
import type { Db } from "../db/database.js";
import * as repo from "./auth.repository.js";
import type { SessionRevocations } from "./auth.service.js";
import { loginLimit } from "./login-limit.js";
import * as mfa from "./mfa.repository.js";
import { hashPassword, verifyPassword } from "./password.js";
import { secondFactor } from "./second-factor.js";
import { type SessionLifetimeConfig, sessionCutoffs } from "./session-lifetime.js";
import { hashRecoveryCode, type MfaCipher, newRecoveryCodes, newTotpSecret, otpauthUrl, totpStep } from "./totp.js";

export interface AccountServiceDeps {
  db: Db;
  limiter: RateLimiter;
  config: Pick<Config, "LOGIN_MAX_FAILURES" | "LOGIN_WINDOW_SECONDS"> & SessionLifetimeConfig;
  revocations: SessionRevocations;
  mfaCipher: MfaCipher;
  /**
   * Called once MFA was turned on or off (committed): records `member.mfa_changed` in each org of
   * the user and, where an org requires MFA, revokes their sockets there before it resolves.
   */
  onMfaChanged?: (scope: RequestScope<UserActor>, enabled: boolean) => Promise<void>;
}

/** A wrong password or code given to confirm a change: 403, so that no client takes it for a dead session. */
const wrong = (what: string) => new AppError("invalid_credentials", `${what} is wrong`);

/**
 * The signed-in user's own security: TOTP MFA, their sessions, their password. Account-only
 * changes, except MFA turned on or off, which `onMfaChanged` records in each org of the user. Every session revoked here has its sockets disconnected on every
 * node (`revoked {reason: "session_revoked"}`) before the call answers, as at logout.
 */
export function createAccountService({
  db,
  limiter,
  config,
  revocations,
  mfaCipher,
  onMfaChanged,
}: AccountServiceDeps) {
  const limit = loginLimit(limiter, config);
  const factor = secondFactor(mfaCipher);

  /** Disconnects the sessions' sockets on every node, acknowledged (or timed out) before it resolves. */
  const disconnect = (sessionIds: string[]) => Promise.all(sessionIds.map((id) => revocations.sessionRevoked(id)));

  return {
    /**
     * Starts an enrolment with a new secret (a pending one is replaced); MFA stays off until a
     * code confirms it. 409 when MFA is already on.
     */
    async startTotp(actor: UserActor): Promise<TotpEnrolment> {
      const secret = newTotpSecret();
      if (!(await mfa.startEnrolment(db, actor.userId, mfaCipher.encrypt(secret, actor.userId)))) {
        throw new AppError("conflict", "MFA is already on: turn it off first to enrol again");
      }
      return { secret, otpauthUrl: otpauthUrl(secret, actor.email) };
    },

    /** Turns MFA on with a first code; answers the recovery codes, shown this once. */
    async confirmTotp(scope: RequestScope<UserActor>, body: ConfirmTotpBody): Promise<RecoveryCodes> {
      const { actor } = scope;
      const pending = await mfa.findTotp(db, actor.userId);
      if (!pending) throw new AppError("conflict", "no enrolment in progress: start one with POST /v1/me/mfa/totp");
      if (pending.enabled_at) throw new AppError("conflict", "MFA is already on");
      const codes = newRecoveryCodes();
      await limit.attempt(actor.email);
      const step = totpStep(mfaCipher.decrypt(pending.secret, actor.userId), body.code);
      const outcome =
        step === undefined
          ? "wrong"
          : await db.transaction().execute(async (trx) => {
              // The enrolment may have been restarted (a new secret) or confirmed meanwhile.
              const row = await mfa.findTotp(trx, actor.userId);
              if (row?.secret !== pending.secret || row.enabled_at) return "gone";
              if (!(await mfa.claimStep(trx, actor.userId, step))) return "wrong";
              await mfa.enableTotp(trx, actor.userId);
              await mfa.replaceRecoveryCodes(trx, actor.userId, codes.map(hashRecoveryCode));
              return "ok";
            });
      if (outcome !== "wrong") await limit.succeeded(actor.email);
      if (outcome === "gone") throw new AppError("conflict", "the enrolment changed meanwhile: start it again");
      if (outcome === "wrong") throw wrong("the code");
      await onMfaChanged?.(scope, true);
      return { recoveryCodes: codes };
    },

    /** Turns MFA off with a code or a recovery code. 409 when it is not on. */
    async disableTotp(scope: RequestScope<UserActor>, body: MfaProofBody): Promise<void> {
      const { actor } = scope;
      const current = await mfa.findTotp(db, actor.userId);
      if (!current?.enabled_at) throw new AppError("conflict", "MFA is not on");
      const ok = await limit.guard(actor.email, () =>
        db.transaction().execute(async (trx) => {
          if (!(await factor.prove(trx, actor.userId, current.secret, body))) return false;
          await mfa.deleteMfa(trx, actor.userId);
          return true;
        }),
      );
      if (!ok) throw wrong(body.code !== undefined ? "the code" : "the recovery code");
      // Where an org requires MFA, the member's sockets there are revoked before this answers.
      await onMfaChanged?.(scope, false);
    },

    async listSessions(actor: UserActor, page: { cursor?: string; limit: number }) {
      const rows = await repo.listLiveSessions(db, actor.userId, sessionCutoffs(config), {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(
        rows,
        page.limit,
        (r): Session => ({
          id: r.id,
          current: r.id === actor.sessionId,
          createdAt: r.created_at.toISOString(),
          lastSeenAt: r.last_seen_at.toISOString(),
          ip: r.ip,
          userAgent: r.user_agent,
        }),
        (r) => keysetKey(r.created_at, r.id),
      );
    },

    /** Revokes one of the caller's sessions (the current one too: that is a logout). 404 for any other. */
    async revokeSession(actor: UserActor, sessionId: string): Promise<void> {
      if (!(await repo.revokeSessionOf(db, actor.userId, sessionId))) throw notFound("session");
      await disconnect([sessionId]);
    },

    /**
     * Changes the password and revokes every other session of the account (and any login waiting
     * for its MFA step). A wrong current password is 403 `invalid_credentials` and counts toward
     * the login limit.
     */
    async changePassword(actor: UserActor, body: ChangePasswordBody): Promise<void> {
      const user = await repo.findUserById(db, actor.userId);
      if (!user) throw unauthenticated();
      const ok = await limit.guard(actor.email, () => verifyPassword(user.password_hash, body.currentPassword));
      if (!ok) throw wrong("the current password");
      const passwordHash = await hashPassword(body.newPassword);
      const revoked = await db.transaction().execute(async (trx) => {
        // Under the user's row lock: of two changes at once, the second finds the hash it checked gone.
        if ((await repo.lockPasswordHash(trx, actor.userId)) !== user.password_hash) {
          throw new AppError("conflict", "the password was changed meanwhile: sign in again");
        }
        await repo.updatePasswordHash(trx, actor.userId, passwordHash);
        await mfa.deleteChallengesOfUser(trx, actor.userId);
        return repo.revokeOtherSessions(trx, actor.userId, actor.sessionId);
      });
      await disconnect(revoked);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
