import { sql } from "kysely";
import type { ProjectRole } from "../../client-sdk/src/contract/index.js";
import { orgRequiresMfa, userHasMfa } from "../db/access-columns.js";
import type { Executor } from "../db/database.js";
import { type Keyset, keysetPage } from "../db/keyset.js";

export function insertProject(db: Executor, p: { id: string; orgId: string; name: string }) {
  return db
    .insertInto("projects")
    .values({ id: p.id, org_id: p.orgId, name: p.name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * In one round trip: `userId`'s role in the live org (no row: not a member, or no such live org),
 * the project when it is the org's, and the user's role on it, with the org's MFA requirement and
 * whether the user has MFA on. The early check of project routes.
 */
export function findMembershipWithProject(db: Executor, orgId: string, userId: string, projectId: string | null) {
  return db
    .selectFrom("memberships")
    .innerJoin("orgs", "orgs.id", "memberships.org_id")
    .leftJoin("projects", (join) =>
      join.onRef("projects.org_id", "=", "memberships.org_id").on("projects.id", "=", projectId),
    )
    .leftJoin("project_members", (join) =>
      join
        .onRef("project_members.project_id", "=", "projects.id")
        .onRef("project_members.user_id", "=", "memberships.user_id"),
    )
    .select([
      "memberships.role as orgRole",
      orgRequiresMfa.as("orgRequiresMfa"),
      userHasMfa(sql.ref("memberships.user_id")).as("principalHasMfa"),
      "projects.id",
      "projects.name",
      "projects.created_at",
      "project_members.role as projectRole",
    ])
    .where("memberships.org_id", "=", orgId)
    .where("memberships.user_id", "=", userId)
    .where("orgs.deleted_at", "is", null)
    .executeTakeFirst();
}

/** Which of these ids are projects of the org. */
export async function existingProjectIds(db: Executor, orgId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("projects")
    .select("id")
    .where("org_id", "=", orgId)
    .where("id", "in", ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Projects of an org, oldest first; `onlyFor` restricts to the projects that user is on (guests). */
export function listProjects(db: Executor, orgId: string, page: { limit: number; after?: Keyset; onlyFor?: string }) {
  let query = db.selectFrom("projects").selectAll().where("org_id", "=", orgId);
  const userId = page.onlyFor;
  if (userId) {
    query = query.where("id", "in", (eb) =>
      eb.selectFrom("project_members").select("project_id").where("org_id", "=", orgId).where("user_id", "=", userId),
    );
  }
  return keysetPage(query, ["created_at", "id"], page).execute();
}

export async function renameProject(db: Executor, projectId: string, name: string) {
  return db.updateTable("projects").set({ name }).where("id", "=", projectId).returningAll().executeTakeFirstOrThrow();
}

export async function deleteProject(db: Executor, projectId: string): Promise<void> {
  await db.deleteFrom("projects").where("id", "=", projectId).execute();
}

export function findProjectRole(db: Executor, projectId: string, userId: string) {
  return db
    .selectFrom("project_members")
    .select(["role", "added_at"])
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

/** Inserts or changes a project role; answers the role it had before (undefined when new). */
export async function upsertProjectMember(
  db: Executor,
  m: { projectId: string; orgId: string; userId: string; role: ProjectRole },
): Promise<{ before: ProjectRole | undefined; addedAt: Date }> {
  const before = await findProjectRole(db, m.projectId, m.userId);
  const row = await db
    .insertInto("project_members")
    .values({ project_id: m.projectId, org_id: m.orgId, user_id: m.userId, role: m.role })
    .onConflict((oc) => oc.columns(["project_id", "user_id"]).doUpdateSet({ role: m.role }))
    .returning("added_at")
    .executeTakeFirstOrThrow();
  return { before: before?.role, addedAt: row.added_at };
}

export async function deleteProjectMember(db: Executor, projectId: string, userId: string): Promise<boolean> {
  const row = await db
    .deleteFrom("project_members")
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

export function listProjectMembers(db: Executor, projectId: string) {
  return db.selectFrom("project_members").selectAll().where("project_id", "=", projectId).orderBy("added_at").execute();
}

/** The projects a user holds a role on, in one org. */
export async function projectIdsOf(db: Executor, orgId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("project_members")
    .select("project_id")
    .where("org_id", "=", orgId)
    .where("user_id", "=", userId)
    .execute();
  return rows.map((r) => r.project_id);
}

/**
 * The projects each (org, user) pair holds a project role on, keyed `${orgId} ${userId}`: the
 * attaches of a reconnect storm, over many orgs, read them in one round trip.
 */
export async function projectIdsOfPairs(
  db: Executor,
  pairs: { orgId: string; userId: string }[],
): Promise<Map<string, string[]>> {
  const byPair = new Map<string, string[]>(pairs.map((p) => [`${p.orgId} ${p.userId}`, []]));
  if (pairs.length === 0) return byPair;
  const rows = await db
    .selectFrom("project_members")
    .select(["org_id", "user_id", "project_id"])
    .where(
      sql<boolean>`(org_id, user_id) in (select * from unnest(${pairs.map((p) => p.orgId)}::uuid[], ${pairs.map((p) => p.userId)}::uuid[]))`,
    )
    .execute();
  for (const row of rows) byPair.get(`${row.org_id} ${row.user_id}`)?.push(row.project_id);
  return byPair;
}
