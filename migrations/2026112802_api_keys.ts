import { type Kysely, sql } from "kysely";

/** API keys: bearer tokens scoped to one org, stored as a SHA-256 hash. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table api_keys (
    id uuid primary key,
    org_id uuid not null references orgs(id),
    name text not null,
    role text not null check (role in ('owner', 'editor', 'viewer')),
    audit boolean not null default false,
    prefix text not null,
    secret_hash text not null unique,
    created_by uuid not null references users(id),
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    expires_at timestamptz,
    revoked_at timestamptz
  )`.execute(db);
  await sql`create index api_keys_org_idx on api_keys(org_id, created_at, id)`.execute(db);
  await sql`create index api_keys_creator_idx on api_keys(org_id, created_by) where revoked_at is null`.execute(db);
  await sql`create index api_keys_expiry_idx on api_keys(expires_at) where revoked_at is null and expires_at is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists api_keys`.execute(db);
}
