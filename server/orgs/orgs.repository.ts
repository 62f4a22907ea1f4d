import type { QueryCreator } from "kysely";
import type { OrgSettings } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { Database } from "../db/schema.js";

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

/** A query builder: the update runs inside the statement that logs it (MutationScope.write). */
export function updatingOrg(orgId: string, patch: { name?: string; settings?: OrgSettings }) {
  return (db: QueryCreator<Database>) =>
    db
      .updateTable("orgs")
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.settings !== undefined ? { settings: JSON.stringify(patch.settings) } : {}),
      })
      .where("id", "=", orgId)
      .returningAll();
}

/** A query builder, like `updatingOrg`. */
export function markingOrgDeleted(orgId: string, at: Date) {
  return (db: QueryCreator<Database>) =>
    db.updateTable("orgs").set({ deleted_at: at }).where("id", "=", orgId).returning("id");
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
