import type { OrgSettings } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";

export async function insertOrg(db: Executor, org: { id: string; name: string; createdBy: string }) {
  return db
    .insertInto("orgs")
    .values({ id: org.id, name: org.name, created_by: org.createdBy, settings: "{}" })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findLiveOrg(db: Executor, orgId: string) {
  return db.selectFrom("orgs").selectAll().where("id", "=", orgId).where("deleted_at", "is", null).executeTakeFirst();
}

export async function updateOrg(db: Executor, orgId: string, patch: { name?: string; settings?: OrgSettings }) {
  return db
    .updateTable("orgs")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.settings !== undefined ? { settings: JSON.stringify(patch.settings) } : {}),
    })
    .where("id", "=", orgId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function markOrgDeleted(db: Executor, orgId: string, at: Date): Promise<void> {
  await db.updateTable("orgs").set({ deleted_at: at }).where("id", "=", orgId).execute();
}

/** The live orgs a user belongs to, oldest membership first, keyset-paged on (joined_at, org id). */
export function listOrgsOfUser(db: Executor, userId: string, page: { limit: number; after?: Keyset }) {
  const query = db
    .selectFrom("memberships")
    .innerJoin("orgs", "orgs.id", "memberships.org_id")
    .select(["orgs.id", "orgs.name", "orgs.settings", "orgs.created_at", "memberships.role", "memberships.joined_at"])
    .where("memberships.user_id", "=", userId)
    .where("orgs.deleted_at", "is", null);
  return keysetPage(query, ["memberships.joined_at", "orgs.id"], page).execute();
}

/** Every org (deleted ones too: their logs are pruned as well) with its settings, for retention. */
export function listOrgRetentions(db: Executor) {
  return db.selectFrom("orgs").select(["id", "settings"]).execute();
}
