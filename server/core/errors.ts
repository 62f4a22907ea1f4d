import type { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../../client-sdk/src/contract/index.js";

/**
 * The one error type services throw: a typed value, with `status` from `code` (the table in the
 * contract module). `server/http/errors.ts` maps it, and anything else thrown, to HTTP in one place.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, such as Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const notFound = (what = "resource") => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "you may not do this") => new AppError("forbidden", message);
export const unauthenticated = () => new AppError("unauthenticated", "a valid bearer token is required");
export const invalidRequest = (message: string, details?: unknown) =>
  new AppError("invalid_request", message, isIssueList(details) ? details.map(publicIssue) : details);

const jsonNumber = (n: unknown) => (typeof n === "bigint" ? n.toString() : n);

/** What a 400 tells about one validation problem. */
export interface PublicIssue {
  path: (string | number)[];
  message: string;
  code: string;
  /** The allowed values of an enum or literal. */
  values?: unknown[];
  /** The unknown keys of a strict object. */
  keys?: string[];
  minimum?: unknown;
  maximum?: unknown;
  /** A named string format, such as `datetime` or `email`. */
  format?: string;
}

function isIssueList(details: unknown): details is z.core.$ZodIssue[] {
  return (
    Array.isArray(details) &&
    details.every((d) => typeof d === "object" && d !== null && "code" in d && "path" in d && "message" in d)
  );
}

/**
 * A zod issue as the caller sees it: where, what, and the limits that help fix it. Never the
 * internals zod attaches (the regex behind a format is hundreds of characters of noise, and the
 * union branches repeat the whole schema).
 */
export function publicIssue(issue: z.core.$ZodIssue): PublicIssue {
  const extra = issue as unknown as Record<string, unknown>;
  return {
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: issue.message,
    code: issue.code,
    ...(Array.isArray(extra.values) ? { values: extra.values } : {}),
    ...(Array.isArray(extra.keys) ? { keys: extra.keys as string[] } : {}),
    ...(extra.minimum !== undefined ? { minimum: jsonNumber(extra.minimum) } : {}),
    ...(extra.maximum !== undefined ? { maximum: jsonNumber(extra.maximum) } : {}),
    ...(typeof extra.format === "string" && extra.format !== "regex" ? { format: extra.format } : {}),
  };
}
