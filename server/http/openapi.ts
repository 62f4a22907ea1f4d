import type { z } from "zod";
import { z as zod } from "zod";
import { ERROR_STATUS, type ErrorCode, uuid } from "../../client-sdk/src/contract/index.js";

/** Request body declaration for createRoute. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

/**
 * The error statuses a route answers. Every /v1 operation also gets, from the document builder
 * (./openapi-document.ts), the ones its shape implies: 400 and 500 always, 401 and 403 with
 * security, 404 with path parameters, 413 and 415 with a body. A route names only the others.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 500 | 503;

interface ErrorResponseSpec {
  name: string;
  description: string;
  /** One example per code of this status, with a typical message. */
  examples: Partial<Record<ErrorCode, string>>;
  retryAfter?: string;
}

/** The shared error responses, registered once under components.responses. */
export const ERROR_RESPONSES: Record<ErrorStatus, ErrorResponseSpec> = {
  400: {
    name: "BadRequest",
    description:
      "The request is malformed: a body, query or cursor that does not validate, or a query string that is not percent-encoded UTF-8. `details` lists each problem with its `path`.",
    examples: { invalid_request: "invalid body" },
  },
  401: {
    name: "Unauthenticated",
    description:
      "No bearer token, or one that is unknown, expired, revoked or logged out; at login, a wrong email, password or MFA code, or an MFA challenge that is unknown, used or expired.",
    examples: { unauthenticated: "a valid bearer token is required" },
  },
  403: {
    name: "Forbidden",
    description:
      "The caller may not do this: their role (or their API key's) lacks the permission, the route needs a user session rather than an API key, (`domain_not_allowed`) the organization does not accept members from that email domain, (`invalid_credentials`) the password or MFA code given to confirm an account change is wrong (the session itself is fine), or (`mfa_required`) the organization requires MFA and the caller, signed in as a user, has not turned it on (reading the organization and leaving it stay open; API keys are not affected).",
    examples: {
      forbidden: "your role (viewer) may not do this",
      domain_not_allowed: "this organization does not accept members from example.org",
      invalid_credentials: "the code is wrong",
      mfa_required: "this organization requires MFA: turn it on (POST /v1/me/mfa/totp), then try again",
    },
  },
  404: {
    name: "NotFound",
    description:
      "Nothing by that id, or nothing the caller may see: an organization they are not a member of is a 404, not a 403.",
    examples: { not_found: "organization not found" },
  },
  409: {
    name: "Conflict",
    description:
      "The change conflicts with the current state: a duplicate, or a step out of turn such as confirming MFA with no enrolment started (`conflict`), the last owner leaving or demoted (`last_owner`), someone who is already a member (`already_member`), or an owner without MFA requiring it of the organization (`mfa_required_for_you`).",
    examples: {
      conflict: "a pending invitation for this email exists; resend or revoke it",
      last_owner: "an organization needs at least one owner",
      already_member: "this person is already a member of the organization",
      mfa_required_for_you:
        "turn MFA on for your own account first (POST /v1/me/mfa/totp): requiring it without would lock you out",
    },
  },
  410: {
    name: "Gone",
    description: "The invitation was already used or has expired.",
    examples: { gone: "this invitation has expired" },
  },
  413: {
    name: "PayloadTooLarge",
    description: "The body exceeds the node's `BODY_LIMIT_BYTES`; the connection is closed.",
    examples: { payload_too_large: "the body exceeds 1048576 bytes" },
  },
  415: {
    name: "UnsupportedMediaType",
    description: "The body is not sent as `application/json`.",
    examples: { unsupported_media_type: "send the body as application/json" },
  },
  429: {
    name: "RateLimited",
    description: "Too many attempts in the current window; retry after `Retry-After` seconds.",
    examples: { rate_limited: "too many signups; retry later" },
    retryAfter: "Seconds until the window ends and the call may be retried.",
  },
  500: {
    name: "Internal",
    description: "An unexpected error; it is logged with the request id (`X-Request-Id`).",
    examples: { internal: "internal error" },
  },
  503: {
    name: "Unavailable",
    description: "This node is busy; retry after `Retry-After` seconds, here or on another node.",
    examples: { unavailable: "this node is already running 4 audit exports; retry later" },
    retryAfter: "Seconds after which the call may be retried.",
  },
};

export const errorRef = (status: ErrorStatus) => ({ $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` });

/** The response entries of `statuses`, as references to the shared error responses. */
export const errorResponses = (statuses: readonly ErrorStatus[] = []) =>
  Object.fromEntries(statuses.map((s) => [s, errorRef(s)])) as Record<ErrorStatus, { $ref: string }>;

/** A success response plus the route's own error statuses, for createRoute's `responses`. */
export const responses = <T extends z.ZodType, S extends 200 | 201>(
  status: S,
  schema: T,
  description: string,
  errors: readonly ErrorStatus[] = [],
) =>
  ({
    ...errorResponses(errors),
    [status]: { content: { "application/json": { schema } }, description },
  }) as unknown as { [K in S]: { content: { "application/json": { schema: T } }; description: string } };

export const noContent = (description: string, errors: readonly ErrorStatus[] = []) =>
  ({ ...errorResponses(errors), 204: { description } }) as unknown as { 204: { description: string } };

/** Codes per status, from the contract's table. */
export const codesOf = (status: number) =>
  (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).filter(([, s]) => s === status).map(([code]) => code);

/** Path ids: any case on the way in, lower case inside. */
export const idParam = uuid.transform((s) => s.toLowerCase());
export const orgParams = zod.object({ orgId: idParam });
export const bearer = [{ bearer: [] }];
/** For routes anyone may call without a token (the document's default is `bearer`). */
export const noToken = [];
