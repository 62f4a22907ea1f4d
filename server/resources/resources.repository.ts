import type { QueryCreator } from "kysely";
import type { ResourceType } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";
import type { Database } from "../db/schema.js";

/*
 * The writes are query builders, not calls: a mutation runs each inside the statement that logs
 * its event (MutationScope.write), so the write and the log row cost one round trip.
 */

export function insertingResource(r: {
  id: string;
  orgId: string;
  projectId: string;
  type: ResourceType;
  name: string;
  config: Record<string, unknown>;
}) {
  return (db: QueryCreator<Database>) =>
    db
      .insertInto("resources")
      .values({
        id: r.id,
        org_id: r.orgId,
        project_id: r.projectId,
        type: r.type,
        name: r.name,
        config: JSON.stringify(r.config),
      })
      .returningAll();
}

export function findResource(db: Executor, projectId: string, resourceId: string) {
  return db
    .selectFrom("resources")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", resourceId)
    .executeTakeFirst();
}

export function listResources(db: Executor, projectId: string, page: { limit: number; after?: Keyset }) {
  const query = db.selectFrom("resources").selectAll().where("project_id", "=", projectId);
  return keysetPage(query, ["created_at", "id"], page).execute();
}

export function allResourcesOfProject(db: Executor, projectId: string) {
  return db.selectFrom("resources").selectAll().where("project_id", "=", projectId).orderBy("created_at").execute();
}

export function updatingResource(id: string, patch: { name: string; config: Record<string, unknown>; at: Date }) {
  return (db: QueryCreator<Database>) =>
    db
      .updateTable("resources")
      .set({ name: patch.name, config: JSON.stringify(patch.config), updated_at: patch.at })
      .where("id", "=", id)
      .returningAll();
}

export function deletingResource(id: string) {
  return (db: QueryCreator<Database>) => db.deleteFrom("resources").where("id", "=", id).returning("id");
}
