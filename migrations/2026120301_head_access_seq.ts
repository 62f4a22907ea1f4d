import { type Kysely, sql } from "kysely";

/**
 * The seq of the last event that may have changed what a mutation reads with the org's lock
 * (memberships, projects and their members, the org row, MFA facts). A mutation that waited for
 * the lock re-reads those rows only when this moved meanwhile (server/events/README.md, "The lock").
 * Existing heads start at their seq: the first waiter after the upgrade re-reads, as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table event_heads add column access_seq bigint not null default 0`.execute(db);
  await sql`update event_heads set access_seq = seq`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table event_heads drop column access_seq`.execute(db);
}
