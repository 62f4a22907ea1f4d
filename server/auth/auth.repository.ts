import type { Executor } from "../db/database.js";
import type { UserRow } from "./auth.table.js";

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

export async function insertSession(db: Executor, session: { id: string; userId: string; tokenHash: string }) {
  await db
    .insertInto("sessions")
    .values({ id: session.id, user_id: session.userId, token_hash: session.tokenHash })
    .execute();
}

/** The live session behind a token hash, with its user. */
export function findLiveSession(db: Executor, tokenHash: string) {
  return db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["sessions.id as sessionId", "users.id as userId", "users.email"])
    .where("sessions.token_hash", "=", tokenHash)
    .where("sessions.revoked_at", "is", null)
    .executeTakeFirst();
}

export async function revokeSession(db: Executor, sessionId: string): Promise<void> {
  await db.updateTable("sessions").set({ revoked_at: new Date() }).where("id", "=", sessionId).execute();
}
