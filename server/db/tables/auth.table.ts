import type { ColumnType, Generated, Selectable } from "kysely";

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  /** Last authenticated use, written at most once per touch interval (session-lifetime.ts). */
  last_seen_at: Generated<Date>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Where the session was opened from (login or signup), for the sessions list. */
  ip: ColumnType<string | null, string | null | undefined, string | null>;
  user_agent: ColumnType<string | null, string | null | undefined, string | null>;
}

/** TOTP MFA of a user: being enrolled while `enabled_at` is null. */
export interface MfaTotpTable {
  user_id: string;
  /** AES-256-GCM ciphertext of the base32 secret (server/auth/totp.ts). */
  secret: string;
  created_at: Generated<Date>;
  enabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The last accepted time step: a code is accepted once. */
  last_step: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface MfaRecoveryCodesTable {
  user_id: string;
  /** SHA-256 of the normalized code. */
  code_hash: string;
  used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface LoginChallengesTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
}

export type UserRow = Selectable<UsersTable>;
