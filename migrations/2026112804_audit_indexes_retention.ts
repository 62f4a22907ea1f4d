import { type Kysely, sql } from "kysely";

/**
 * Audit-log pages walk (occurred_at, seq) newest first; one index per filter keeps a page at the
 * same cost however long the log grows. The anchor columns keep the chain verifiable after pruning.
 */
const statements = [
  sql`create index events_org_time_idx on events(org_id, occurred_at desc, seq desc)`,
  sql`create index events_org_actor_time_idx on events(org_id, actor_id, occurred_at desc, seq desc)`,
  sql`create index events_org_type_time_idx on events(org_id, type, occurred_at desc, seq desc)`,
  sql`create index events_org_project_time_idx on events(org_id, project_id, occurred_at desc, seq desc)
      where project_id is not null`,
  // The last pruned entry: the first kept one must chain to it.
  sql`alter table event_heads add column anchor_seq bigint not null default 0`,
  sql`alter table event_heads add column anchor_hash text not null default ''`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table event_heads drop column anchor_hash`.execute(db);
  await sql`alter table event_heads drop column anchor_seq`.execute(db);
  for (const index of [
    "events_org_project_time_idx",
    "events_org_type_time_idx",
    "events_org_actor_time_idx",
    "events_org_time_idx",
  ]) {
    await sql`drop index if exists ${sql.ref(index)}`.execute(db);
  }
}
