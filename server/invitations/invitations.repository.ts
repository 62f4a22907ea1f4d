import type { Insertable } from "kysely";
import type { ProjectGrant } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { InvitationRow, InvitationsTable } from "../db/tables/invitations.table.js";

export async function insertInvitation(
  db: Executor,
  invitation: Omit<Insertable<InvitationsTable>, "projects"> & { projects: ProjectGrant[] },
): Promise<InvitationRow> {
  return db
    .insertInto("invitations")
    .values({ ...invitation, projects: JSON.stringify(invitation.projects) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Pending invitations of an org (neither accepted, revoked nor expired), keyset-paged on (created_at, id). */
export function listPendingInvitations(
  db: Executor,
  orgId: string,
  page: { limit: number; now: Date; after?: Keyset },
) {
  const query = db
    .selectFrom("invitations")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", page.now);
  return keysetPage(query, ["created_at", "id"], page).execute();
}

/** An invitation that is neither accepted nor revoked (it may have expired). */
export function findOpenInvitation(db: Executor, orgId: string, invitationId: string) {
  return db
    .selectFrom("invitations")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("id", "=", invitationId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** A pending invitation for this email in this org, other than `exceptId`. */
export function findPendingForEmail(db: Executor, orgId: string, email: string, now: Date, exceptId?: string) {
  let query = db
    .selectFrom("invitations")
    .select("id")
    .where("org_id", "=", orgId)
    .where("email", "=", email)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now);
  if (exceptId) query = query.where("id", "!=", exceptId);
  return query.executeTakeFirst();
}

/** The invitation behind a token hash, with its org's name; undefined when unknown or the org is deleted. */
export function findByTokenHash(db: Executor, tokenHash: string) {
  return db
    .selectFrom("invitations")
    .innerJoin("orgs", "orgs.id", "invitations.org_id")
    .selectAll("invitations")
    .select(["orgs.name as org_name", "orgs.settings as org_settings"])
    .where("invitations.token_hash", "=", tokenHash)
    .where("orgs.deleted_at", "is", null)
    .executeTakeFirst();
}

/** Whether a user with this (lower-case) email is a member of the org. */
export async function isMemberByEmail(db: Executor, orgId: string, email: string): Promise<boolean> {
  const row = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select("memberships.user_id")
    .where("memberships.org_id", "=", orgId)
    .where("users.email", "=", email)
    .executeTakeFirst();
  return row !== undefined;
}

export async function markRevoked(db: Executor, invitationId: string, at: Date): Promise<void> {
  await db.updateTable("invitations").set({ revoked_at: at }).where("id", "=", invitationId).execute();
}

export async function markAccepted(db: Executor, invitationId: string, userId: string, at: Date): Promise<void> {
  await db
    .updateTable("invitations")
    .set({ accepted_at: at, accepted_by: userId })
    .where("id", "=", invitationId)
    .execute();
}

/** A new token and expiry: the old token matches nothing from now on. */
export function replaceToken(db: Executor, invitationId: string, tokenHash: string, expiresAt: Date) {
  return db
    .updateTable("invitations")
    .set({ token_hash: tokenHash, expires_at: expiresAt })
    .where("id", "=", invitationId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Moves an invitation's expiry (tests use it to expire one without waiting a week). */
export async function setExpiry(db: Executor, invitationId: string, expiresAt: Date): Promise<void> {
  await db.updateTable("invitations").set({ expires_at: expiresAt }).where("id", "=", invitationId).execute();
}

/** Rows of an org, for tests and tooling that check nothing was half-written. */
export async function countInvitations(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("invitations")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("org_id", "=", orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
