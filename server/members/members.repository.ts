import { type QueryCreator, sql } from "kysely";
import type { OrgRole } from "../../client-sdk/src/contract/index.js";
import { orgRequiresMfa, userHasMfa } from "../db/access-columns.js";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { Database } from "../db/schema.js";

/** Memberships are made by invitations; tests call this directly until then. */
export async function insertMembership(db: Executor, m: { orgId: string; userId: string; role: OrgRole }) {
  return db
    .insertInto("memberships")
    .values({ org_id: m.orgId, user_id: m.userId, role: m.role })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const memberColumns = [
  "memberships.user_id",
  "memberships.role",
  "memberships.joined_at",
  "users.email",
  "users.name",
] as const;

export function findMember(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(memberColumns)
    .where("memberships.org_id", "=", orgId)
    .where("memberships.user_id", "=", userId)
    .executeTakeFirst();
}

export type MemberRecord = NonNullable<Awaited<ReturnType<typeof findMember>>>;

/** Keyset-paged on (joined_at, user_id). */
export function listMembers(db: Executor, orgId: string, page: { limit: number; after?: Keyset }) {
  const query = db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(memberColumns)
    .where("memberships.org_id", "=", orgId);
  return keysetPage(query, ["memberships.joined_at", "memberships.user_id"], page).execute();
}

/** Callers hold the org's log lock, so this count cannot change under them. */
export async function countOwners(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("memberships")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("org_id", "=", orgId)
    .where("role", "=", "owner")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setRole(db: Executor, orgId: string, userId: string, role: OrgRole): Promise<void> {
  await db.updateTable("memberships").set({ role }).where("org_id", "=", orgId).where("user_id", "=", userId).execute();
}

/** Deletes and answers the role it had; undefined when there was no such membership. */
export async function deleteMembership(db: Executor, orgId: string, userId: string): Promise<OrgRole | undefined> {
  const row = await deletingMembership(orgId, userId)(db).executeTakeFirst();
  return row?.role;
}

/**
 * The delete as a statement to run with its event (`MutationScope.write`); answers the role the
 * membership had. Project roles go with it (a foreign key with `on delete cascade`).
 */
export function deletingMembership(orgId: string, userId: string) {
  return (db: QueryCreator<Database>) =>
    db.deleteFrom("memberships").where("org_id", "=", orgId).where("user_id", "=", userId).returning("role");
}

/** A member's role, with the two MFA facts read in the same row (see access/derive.ts). */
export interface MemberStanding {
  role: OrgRole;
  orgRequiresMfa: boolean;
  principalHasMfa: boolean;
}

const standingColumns = [
  "memberships.role",
  orgRequiresMfa.as("org_requires_mfa"),
  userHasMfa(sql.ref("memberships.user_id")).as("principal_has_mfa"),
] as const;

const toStanding = (r: { role: OrgRole; org_requires_mfa: boolean; principal_has_mfa: boolean }): MemberStanding => ({
  role: r.role,
  orgRequiresMfa: Boolean(r.org_requires_mfa),
  principalHasMfa: Boolean(r.principal_has_mfa),
});

/**
 * The standings of many (org, user) pairs at once, in live orgs: the socket handshakes of a
 * reconnect storm are checked in one round trip. Keyed `${orgId} ${userId}`; absent means no access.
 */
export async function rolesOfPairs(
  db: Executor,
  pairs: { orgId: string; userId: string }[],
): Promise<Map<string, MemberStanding>> {
  if (pairs.length === 0) return new Map();
  const orgIds = pairs.map((p) => p.orgId);
  const userIds = pairs.map((p) => p.userId);
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("orgs", "orgs.id", "memberships.org_id")
    .select(["memberships.org_id", "memberships.user_id", ...standingColumns])
    .where(
      sql<boolean>`(memberships.org_id, memberships.user_id) in (select * from unnest(${orgIds}::uuid[], ${userIds}::uuid[]))`,
    )
    .where("orgs.deleted_at", "is", null)
    .execute();
  return new Map(rows.map((r) => [`${r.org_id} ${r.user_id}`, toStanding(r)]));
}

/** A user's standing in an org that is not deleted; undefined without a membership. */
export async function roleInLiveOrg(db: Executor, orgId: string, userId: string): Promise<MemberStanding | undefined> {
  const row = await db
    .selectFrom("memberships")
    .innerJoin("orgs", "orgs.id", "memberships.org_id")
    .select(standingColumns)
    .where("memberships.org_id", "=", orgId)
    .where("memberships.user_id", "=", userId)
    .where("orgs.deleted_at", "is", null)
    .executeTakeFirst();
  return row && toStanding(row);
}

/** The live orgs a user belongs to (to record an account change, such as MFA, in each). */
export async function liveOrgIdsOfUser(db: Executor, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("orgs", "orgs.id", "memberships.org_id")
    .select("memberships.org_id")
    .where("memberships.user_id", "=", userId)
    .where("orgs.deleted_at", "is", null)
    .orderBy("memberships.org_id")
    .execute();
  return rows.map((r) => r.org_id);
}
