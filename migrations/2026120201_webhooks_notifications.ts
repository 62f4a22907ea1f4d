import { type Kysely, sql } from "kysely";

/**
 * Events that leave Orgwire: webhook endpoints with their durable cursors and delivery log, and
 * the owners' mail notifications with theirs. Each cursor row is also a lease (lease_owner,
 * lease_until) so that exactly one node works on it at a time (server/outbound/README.md).
 */
/** The retry and lease columns of both kinds of cursor row (server/outbound/README.md). */
const CURSOR_STATE = sql`attempts integer not null default 0,
    failing_since timestamptz,
    next_attempt_at timestamptz not null default now(),
    lease_owner text,
    lease_until timestamptz`;

const statements = [
  sql`create table webhooks (
    id uuid primary key,
    org_id uuid not null references orgs(id) on delete cascade,
    url text not null,
    events jsonb not null,
    description text,
    secret text not null,
    enabled boolean not null default true,
    disabled_reason text,
    created_by text not null,
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    delivered_seq bigint not null,
    ${CURSOR_STATE}
  )`,
  sql`create index webhooks_org_idx on webhooks(org_id, created_at, id)`,
  // What the pollers scan: enabled endpoints, by when they are due.
  sql`create index webhooks_due_idx on webhooks(next_attempt_at) where enabled`,
  sql`create table webhook_deliveries (
    id uuid primary key,
    webhook_id uuid not null references webhooks(id) on delete cascade,
    seq bigint not null,
    event_id uuid not null,
    event_type text not null,
    attempt integer not null,
    status text not null,
    duration_ms integer not null,
    response_code integer,
    error text,
    next_retry_at timestamptz,
    attempted_at timestamptz not null default date_trunc('milliseconds', now())
  )`,
  sql`create index webhook_deliveries_page_idx on webhook_deliveries(webhook_id, attempted_at desc, id desc)`,
  sql`create index webhook_deliveries_age_idx on webhook_deliveries(attempted_at)`,
  // One row per org whose owners want some mail: the cursor through its log, and the digest's due date.
  sql`create table notification_cursors (
    org_id uuid primary key references orgs(id) on delete cascade,
    delivered_seq bigint not null,
    digest_due_at timestamptz not null,
    ${CURSOR_STATE}
  )`,
  // Which mails went out (key: the event id, or digest:<week start>), so a retry sends the rest only.
  sql`create table notification_mails (
    org_id uuid not null references orgs(id) on delete cascade,
    mail_key text not null,
    user_id uuid not null,
    sent_at timestamptz not null default date_trunc('milliseconds', now()),
    primary key (org_id, mail_key, user_id)
  )`,
  // Orgs whose owners already asked for mail start receiving it from now on (nothing is backfilled).
  sql`insert into notification_cursors (org_id, delivered_seq, digest_due_at)
      select o.id, h.seq, date_trunc('week', now() at time zone 'UTC') at time zone 'UTC' + interval '7 days'
        from orgs o join event_heads h on h.org_id = o.id
       where o.deleted_at is null
         and exists (select 1 from jsonb_each(coalesce(o.settings->'notifications', '{}'::jsonb)) e
                      where e.value = 'true'::jsonb)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["notification_mails", "notification_cursors", "webhook_deliveries", "webhooks"]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
