import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../../client-sdk/src/contract/index.js";
import { AppError, invalidRequest } from "../core/errors.js";

/** pg-pool's error when no connection frees up in time: load, not a bug. */
const POOL_EXHAUSTED = /timeout exceeded when trying to connect/;

/** Maps anything thrown to the error envelope, in one place. Unknown errors are 500 and logged. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) return invalidRequest("request is invalid", error.issues);
  if (error instanceof HTTPException) {
    const code = (Object.entries(ERROR_STATUS).find(([, s]) => s === error.status)?.[0] ??
      "invalid_request") as ErrorCode;
    return new AppError(code, error.message || code);
  }
  if (error instanceof Error && POOL_EXHAUSTED.test(error.message)) {
    return new AppError("unavailable", "the database is busy; retry shortly", undefined, { "Retry-After": "1" });
  }
  return new AppError("internal", "internal error");
}

export function errorResponse(c: Context, error: unknown): Response {
  const appError = toAppError(error);
  if (appError.code === "internal") c.var.log?.error({ err: error }, "unhandled error");
  for (const [k, v] of Object.entries(appError.headers ?? {})) c.header(k, v);
  return c.json(appError.toJSON(), appError.status as ContentfulStatusCode);
}
