import { type Kysely, sql } from "kysely";

/**
 * Accounts: where a session was opened from (for the sessions list), TOTP MFA with its recovery
 * codes, and the short-lived challenges between a login's password and its code.
 */
const statements = [
  sql`alter table sessions add column ip text`,
  sql`alter table sessions add column user_agent text`,
  // The sessions list: a user's live sessions in (created_at, id) order.
  sql`create index sessions_user_live_idx on sessions(user_id, created_at, id) where revoked_at is null`,
  // One row per user with MFA on or being enrolled (enabled_at null until a code confirms it).
  // `secret` is AES-256-GCM ciphertext (server/auth/totp.ts); `last_step` is the last accepted
  // TOTP time step, so a code is accepted once.
  sql`create table mfa_totp (
    user_id uuid primary key references users(id) on delete cascade,
    secret text not null,
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    enabled_at timestamptz,
    last_step bigint
  )`,
  sql`create table mfa_recovery_codes (
    user_id uuid not null references users(id) on delete cascade,
    code_hash text not null,
    used_at timestamptz,
    primary key (user_id, code_hash)
  )`,
  // A login whose password was right, waiting for its code: single-use (deleted when used).
  sql`create table login_challenges (
    id uuid primary key,
    user_id uuid not null references users(id) on delete cascade,
    token_hash text not null unique,
    created_at timestamptz not null default date_trunc('milliseconds', now()),
    expires_at timestamptz not null
  )`,
  sql`create index login_challenges_user_idx on login_challenges(user_id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["login_challenges", "mfa_recovery_codes", "mfa_totp"]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop index if exists sessions_user_live_idx`.execute(db);
  await sql`alter table sessions drop column user_agent`.execute(db);
  await sql`alter table sessions drop column ip`.execute(db);
}
