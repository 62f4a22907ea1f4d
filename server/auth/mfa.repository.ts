import { sql } from "kysely";
import type { Executor } from "../db/database.js";

export function findTotp(db: Executor, userId: string) {
  return db
    .selectFrom("mfa_totp")
    .select(["secret", "enabled_at", "last_step"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

/** Which of `userIds` have MFA on. */
export async function usersWithMfa(db: Executor, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("mfa_totp")
    .select("user_id")
    .where(sql<boolean>`user_id = any(${userIds}::uuid[])`)
    .where("enabled_at", "is not", null)
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

/**
 * Starts (or restarts) an enrolment with `secret`; false when MFA is already on, which it never
 * overwrites (also against a confirmation that commits meanwhile).
 */
export async function startEnrolment(db: Executor, userId: string, secret: string): Promise<boolean> {
  const row = await db
    .insertInto("mfa_totp")
    .values({ user_id: userId, secret })
    .onConflict((oc) =>
      oc
        .column("user_id")
        .doUpdateSet({ secret, created_at: sql`date_trunc('milliseconds', now())`, last_step: null })
        .where("mfa_totp.enabled_at", "is", null),
    )
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Takes TOTP time step `step` for the user: true only if it is above the last one taken. One
 * conditional UPDATE, so of two requests with the same code, on any nodes, one wins.
 */
export async function claimStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable("mfa_totp")
    .set({ last_step: step })
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("last_step", "is", null), eb("last_step", "<", step)]))
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Turns an enrolment on; false when it is not pending (already on, or gone). */
export async function enableTotp(db: Executor, userId: string): Promise<boolean> {
  const row = await db
    .updateTable("mfa_totp")
    .set({ enabled_at: sql`date_trunc('milliseconds', now())` })
    .where("user_id", "=", userId)
    .where("enabled_at", "is", null)
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

export async function replaceRecoveryCodes(db: Executor, userId: string, hashes: string[]): Promise<void> {
  await db.deleteFrom("mfa_recovery_codes").where("user_id", "=", userId).execute();
  await db
    .insertInto("mfa_recovery_codes")
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash })))
    .execute();
}

/** Uses up a recovery code: true once per code, however many requests race for it. */
export async function useRecoveryCode(db: Executor, userId: string, hash: string): Promise<boolean> {
  const row = await db
    .updateTable("mfa_recovery_codes")
    .set({ used_at: new Date() })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hash)
    .where("used_at", "is", null)
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Turns MFA off: the secret, the recovery codes and any pending login challenge go. */
export async function deleteMfa(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("mfa_recovery_codes").where("user_id", "=", userId).execute();
  await db.deleteFrom("mfa_totp").where("user_id", "=", userId).execute();
  await deleteChallengesOfUser(db, userId);
}

export async function insertChallenge(
  db: Executor,
  challenge: { id: string; userId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  // The user's challenges that expired are dropped on the way: the table holds only live ones
  // (and, until a next login, the last expired one).
  await db
    .deleteFrom("login_challenges")
    .where("user_id", "=", challenge.userId)
    .where("expires_at", "<=", new Date())
    .execute();
  await db
    .insertInto("login_challenges")
    .values({
      id: challenge.id,
      user_id: challenge.userId,
      token_hash: challenge.tokenHash,
      expires_at: challenge.expiresAt,
    })
    .execute();
}

/** The live (unexpired) challenge behind a token hash; `lock` holds its row (FOR UPDATE) until the transaction ends. */
export function findChallenge(db: Executor, tokenHash: string, options: { lock?: boolean } = {}) {
  const query = db
    .selectFrom("login_challenges")
    .select(["id", "user_id as userId"])
    .where("token_hash", "=", tokenHash)
    .where("expires_at", ">", new Date());
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function deleteChallenge(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("login_challenges").where("id", "=", id).execute();
}

export async function deleteChallengesOfUser(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("login_challenges").where("user_id", "=", userId).execute();
}
