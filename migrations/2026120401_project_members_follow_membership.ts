import { type Kysely, sql } from "kysely";

/**
 * A project role belongs to an org member: leaving the org (or being removed) ends it in the same
 * statement that deletes the membership, rather than in a round trip of its own. Rows left behind
 * by an interrupted removal (none are expected) are deleted first, or the constraint would fail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from project_members p where not exists (
    select 1 from memberships m where m.org_id = p.org_id and m.user_id = p.user_id
  )`.execute(db);
  await sql`alter table project_members add constraint project_members_membership_fk
    foreign key (org_id, user_id) references memberships (org_id, user_id) on delete cascade`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table project_members drop constraint project_members_membership_fk`.execute(db);
}
