import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { UserRow } from "../db/tables/auth.table.js";
import type { SessionCutoffs } from "./session-lifetime.js";

export async function insertUser(
  db: Executor,
  user: { id: string; email: string; name: string; passwordHash: string },
) {
  return db
    .insertInto("users")
    .values({ id: user.id, email: user.email, name: user.name, password_hash: user.passwordHash })
    .onConflict((oc) => oc.column("email").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertSession(
  db: Executor,
  session: { id: string; userId: string; tokenHash: string; ip?: string | null; userAgent?: string | null },
) {
  await db
    .insertInto("sessions")
    .values({
      id: session.id,
      user_id: session.userId,
      token_hash: session.tokenHash,
      ip: session.ip ?? null,
      user_agent: session.userAgent ?? null,
    })
    .execute();
}

/** The session behind a token hash, with its user, unless revoked or past a lifetime. */
export function findLiveSession(db: Executor, tokenHash: string, cutoffs: SessionCutoffs) {
  return db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id as sessionId",
      "sessions.created_at as createdAt",
      "sessions.last_seen_at as lastSeenAt",
      "users.id as userId",
      "users.email",
    ])
    .where("sessions.token_hash", "=", tokenHash)
    .where("sessions.revoked_at", "is", null)
    .where("sessions.created_at", ">", cutoffs.createdBefore)
    .where("sessions.last_seen_at", ">", cutoffs.seenBefore)
    .executeTakeFirst();
}

/**
 * Records a use of the session, only if its last one is older than `staleBefore`: concurrent
 * requests of one session write once, since the others find the row already fresh.
 */
export async function touchSession(db: Executor, sessionId: string, staleBefore: Date): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ last_seen_at: new Date() })
    .where("id", "=", sessionId)
    .where("last_seen_at", "<", staleBefore)
    .execute();
}

/**
 * Marks up to `limit` live sessions past a lifetime revoked; returns their ids. SKIP LOCKED and
 * the re-check of `revoked_at` make each session claimed by one sweep only, on any number of nodes.
 */
export async function revokeExpiredSessions(db: Executor, cutoffs: SessionCutoffs, limit: number): Promise<string[]> {
  const rows = await db
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("revoked_at", "is", null)
    .where("id", "in", (eb) =>
      eb
        .selectFrom("sessions")
        .select("id")
        .where("revoked_at", "is", null)
        .where((w) => w.or([w("created_at", "<=", cutoffs.createdBefore), w("last_seen_at", "<=", cutoffs.seenBefore)]))
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

export async function revokeSession(db: Executor, sessionId: string): Promise<void> {
  await db.updateTable("sessions").set({ revoked_at: new Date() }).where("id", "=", sessionId).execute();
}

/**
 * Which of `sessionIds` are live (not revoked, within both lifetimes): re-checked at socket attach,
 * inside its snapshot, so a handshake that raced a logout or an expiry never goes live.
 */
export async function liveSessionIds(
  db: Executor,
  sessionIds: string[],
  cutoffs: SessionCutoffs,
): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("sessions")
    .select("id")
    .where(sql<boolean>`id = any(${sessionIds}::uuid[])`)
    .where("revoked_at", "is", null)
    .where("created_at", ">", cutoffs.createdBefore)
    .where("last_seen_at", ">", cutoffs.seenBefore)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** A user's live sessions (not revoked, within both lifetimes), oldest first, keyset-paged on (created_at, id). */
export function listLiveSessions(
  db: Executor,
  userId: string,
  cutoffs: SessionCutoffs,
  page: { limit: number; after?: Keyset },
) {
  const query = db
    .selectFrom("sessions")
    .select(["id", "created_at", "last_seen_at", "ip", "user_agent"])
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("created_at", ">", cutoffs.createdBefore)
    .where("last_seen_at", ">", cutoffs.seenBefore);
  return keysetPage(query, ["created_at", "id"], page).execute();
}

/** Revokes one session of `userId`; false when it is not theirs or already revoked. */
export async function revokeSessionOf(db: Executor, userId: string, sessionId: string): Promise<boolean> {
  const row = await db
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("id", "=", sessionId)
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Revokes every session of `userId` but `keepId`; returns the ids it revoked. */
export async function revokeOtherSessions(db: Executor, userId: string, keepId: string): Promise<string[]> {
  const rows = await db
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("id", "!=", keepId)
    .where("revoked_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

export async function updatePasswordHash(db: Executor, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", userId).execute();
}

/** The user's password hash, their row locked until the transaction ends. */
export async function lockPasswordHash(db: Executor, userId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("users")
    .select("password_hash")
    .where("id", "=", userId)
    .forUpdate()
    .executeTakeFirst();
  return row?.password_hash;
}
