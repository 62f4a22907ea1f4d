import { type RawBuilder, sql } from "kysely";

/*
 * Columns the access checks read in the same statement as a member's role, so that an org's MFA
 * requirement costs no round trip (server/access/derive.ts decides from them). They live here,
 * with the shared plumbing, because the events, members and projects repositories all use them.
 */

/** `settings.authentication.requireMfa` of the `orgs` row in the query, as a column. */
export const orgRequiresMfa = sql<boolean>`coalesce((orgs.settings -> 'authentication' ->> 'requireMfa')::boolean, false)`;

/**
 * Whether the user has MFA on (a confirmed TOTP enrolment), as a column of a larger query.
 * `userId` is a column reference or a value.
 */
export const userHasMfa = (userId: RawBuilder<unknown> | string | null) =>
  sql<boolean>`exists (select 1 from mfa_totp where mfa_totp.user_id = ${userId} and mfa_totp.enabled_at is not null)`;
