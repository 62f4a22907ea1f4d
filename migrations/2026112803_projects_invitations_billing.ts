import { type Kysely, sql } from "kysely";

/** Projects with their own members, resources inside projects, invitations, billing profiles. */
const statements = [
  sql`create table projects (
    id uuid primary key,
    org_id uuid not null references orgs(id),
    name text not null,
    created_at timestamptz not null default date_trunc('milliseconds', now())
  )`,
  sql`create index projects_org_idx on projects(org_id, created_at, id)`,
  sql`create table project_members (
    project_id uuid not null references projects(id) on delete cascade,
    org_id uuid not null references orgs(id),
    user_id uuid not null references users(id),
    role text not null check (role in ('editor', 'viewer')),
    added_at timestamptz not null default date_trunc('milliseconds', now()),
    primary key (project_id, user_id)
  )`,
  sql`create index project_members_user_idx on project_members(org_id, user_id)`,
  sql`create table resources (
    id uuid primary key,
    org_id uuid not null references orgs(id),
    project_id uuid not null references projects(id) on delete cascade,
    type text not null check (type in ('vps', 'domain', 'hosting')),
    name text not null,
    config jsonb not null,
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    updated_at timestamptz not null default date_trunc('milliseconds', now())
  )`,
  sql`create index resources_project_idx on resources(project_id, created_at, id)`,
  sql`create table invitations (
    id uuid primary key,
    org_id uuid not null references orgs(id),
    email text not null,
    role text not null check (role in ('owner', 'editor', 'viewer', 'guest')),
    projects jsonb not null default '[]'::jsonb,
    token_hash text not null unique,
    invited_by uuid not null references users(id),
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    expires_at timestamptz not null,
    accepted_at timestamptz,
    accepted_by uuid references users(id),
    revoked_at timestamptz
  )`,
  sql`create index invitations_org_idx on invitations(org_id, created_at, id)`,
  sql`create table billing_profiles (
    org_id uuid primary key references orgs(id),
    contact_email text not null,
    company text,
    address jsonb,
    tax_id text,
    updated_at timestamptz not null default date_trunc('milliseconds', now())
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["billing_profiles", "invitations", "resources", "project_members", "projects"]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
