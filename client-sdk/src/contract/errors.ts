import { z } from "zod";

/** Every error code the API answers with, and the HTTP status each one maps to. */
export const ERROR_STATUS = {
  invalid_request: 400,
  /** A webhook URL that is not https, does not resolve, or reaches a private network (SSRF guard). */
  url_not_allowed: 400,
  unauthenticated: 401,
  forbidden: 403,
  domain_not_allowed: 403,
  /** A wrong password or MFA code given to confirm an account change (never ends the session). */
  invalid_credentials: 403,
  /** The organization requires MFA and the caller (a person) has not turned it on. */
  mfa_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  last_owner: 409,
  already_member: 409,
  /** Turning `requireMfa` on without MFA yourself would lock you out. */
  mfa_required_for_you: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;
