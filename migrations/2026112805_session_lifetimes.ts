import { type Kysely, sql } from "kysely";

/**
 * Session lifetimes: `last_seen_at` carries the idle one (created_at the absolute one). Existing
 * sessions start their idle time at this migration rather than at their creation, so a deploy
 * does not sign out people who were active; those past the absolute age end at the first sweep.
 * The partial indexes let the sweep find live sessions past either lifetime without a scan.
 */
const statements = [
  sql`alter table sessions add column last_seen_at timestamptz not null default date_trunc('milliseconds', now())`,
  sql`create index sessions_live_created_idx on sessions(created_at) where revoked_at is null`,
  sql`create index sessions_live_seen_idx on sessions(last_seen_at) where revoked_at is null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists sessions_live_seen_idx`.execute(db);
  await sql`drop index if exists sessions_live_created_idx`.execute(db);
  await sql`alter table sessions drop column last_seen_at`.execute(db);
}
