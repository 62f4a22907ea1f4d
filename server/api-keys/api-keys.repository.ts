import type { Insertable } from "kysely";
import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { ApiKeyRow, ApiKeysTable } from "../db/tables/api-keys.table.js";

export async function insertApiKey(db: Executor, key: Insertable<ApiKeysTable>): Promise<ApiKeyRow> {
  return db.insertInto("api_keys").values(key).returningAll().executeTakeFirstOrThrow();
}

/** Live keys of an org, oldest first, keyset-paged on (created_at, id). */
export function listLiveApiKeys(db: Executor, orgId: string, page: { limit: number; after?: Keyset }) {
  const query = db.selectFrom("api_keys").selectAll().where("org_id", "=", orgId).where("revoked_at", "is", null);
  return keysetPage(query, ["created_at", "id"], page).execute();
}

export function findLiveApiKey(db: Executor, orgId: string, keyId: string) {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("org_id", "=", orgId)
    .where("id", "=", keyId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** The key behind a secret hash, if it is neither revoked nor expired. */
export function findUsableKeyBySecretHash(db: Executor, secretHash: string) {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("secret_hash", "=", secretHash)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date())]))
    .executeTakeFirst();
}

/** Revokes every live key a user created in an org, answering them. */
export function revokeKeysOfCreator(db: Executor, orgId: string, userId: string, at: Date) {
  return db
    .updateTable("api_keys")
    .set({ revoked_at: at })
    .where("org_id", "=", orgId)
    .where("created_by", "=", userId)
    .where("revoked_at", "is", null)
    .returningAll()
    .execute();
}

export async function markRevoked(db: Executor, keyId: string, at: Date): Promise<void> {
  await db.updateTable("api_keys").set({ revoked_at: at }).where("id", "=", keyId).execute();
}

/** Keys past their expiry that no one has marked yet, oldest first. */
export function expiredUnrevokedKeys(db: Executor, limit: number) {
  // Keys of deleted orgs are dead already (their org answers 404) and could never be revoked under
  // its lock: left in, they would be retried on every sweep and, past `limit`, starve the rest.
  return db
    .selectFrom("api_keys")
    .innerJoin("orgs", "orgs.id", "api_keys.org_id")
    .select(["api_keys.id", "api_keys.org_id"])
    .where("orgs.deleted_at", "is", null)
    .where("api_keys.revoked_at", "is", null)
    .where("api_keys.expires_at", "<=", new Date())
    .orderBy("api_keys.expires_at")
    .limit(limit)
    .execute();
}

/** Which of `keyIds` are usable (neither revoked nor expired): re-checked at socket attach. */
export async function usableKeyIds(db: Executor, keyIds: string[]): Promise<Set<string>> {
  if (keyIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("api_keys")
    .select("id")
    .where(sql<boolean>`id = any(${keyIds}::uuid[])`)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date())]))
    .execute();
  return new Set(rows.map((r) => r.id));
}
