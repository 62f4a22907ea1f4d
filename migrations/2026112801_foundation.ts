import { type Kysely, sql } from "kysely";

/** Accounts, organizations, memberships and the per-org event log with its hash chain. */
const statements = [
  sql`create table users (
    id uuid primary key,
    email text not null unique,
    name text not null,
    password_hash text not null,
    created_at timestamptz not null default date_trunc('milliseconds', now())
  )`,
  sql`create table sessions (
    id uuid primary key,
    user_id uuid not null references users(id) on delete cascade,
    token_hash text not null unique,
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    revoked_at timestamptz
  )`,
  sql`create index sessions_user_idx on sessions(user_id)`,
  sql`create table orgs (
    id uuid primary key,
    name text not null,
    settings jsonb not null default '{}'::jsonb,
    created_by uuid not null references users(id),
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    deleted_at timestamptz
  )`,
  sql`create table memberships (
    org_id uuid not null references orgs(id),
    user_id uuid not null references users(id),
    role text not null check (role in ('owner', 'editor', 'viewer', 'guest')),
    joined_at timestamptz not null default date_trunc('milliseconds', now()),
    primary key (org_id, user_id)
  )`,
  sql`create index memberships_user_idx on memberships(user_id)`,
  // One row per org: the head of its event log. Every mutation locks it first, which serializes
  // an org's mutations, makes seq gapless and makes seq order the commit order.
  sql`create table event_heads (
    org_id uuid primary key references orgs(id),
    seq bigint not null,
    hash text not null
  )`,
  sql`create table events (
    id uuid primary key,
    org_id uuid not null references orgs(id),
    seq bigint not null,
    type text not null,
    occurred_at timestamptz not null,
    actor_type text not null,
    actor_id text not null,
    actor_email text,
    project_id uuid,
    target_type text not null,
    target_id text not null,
    subject_user_id uuid,
    owner_only boolean not null,
    data jsonb not null,
    context jsonb,
    prev_hash text not null,
    hash text not null,
    unique (org_id, seq)
  )`,
  sql`create index events_org_subject_idx on events(org_id, subject_user_id, seq) where subject_user_id is not null`,
  sql`create index events_org_project_idx on events(org_id, project_id, seq) where project_id is not null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["events", "event_heads", "memberships", "orgs", "sessions", "users"]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
