import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "zod";
import { AppError, invalidRequest, notFound } from "../core/errors.js";
import type { AppEnv } from "./context.js";

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/** What a path parameter names, for the 404 of an id that cannot be one (as for an unknown one). */
const PARAM_THING: Record<string, string> = {
  orgId: "organization",
  userId: "member",
  projectId: "project",
  resourceId: "resource",
  keyId: "API key",
  invitationId: "invitation",
  token: "invitation",
  sessionId: "session",
};

interface HookResult {
  success: boolean;
  target: string;
  /** The raw input (on failure: what was sent). */
  data?: unknown;
  error?: { issues: z.core.$ZodIssue[] };
}

/** The value at `path` in what was sent, or undefined. */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Runs after every zod-openapi validator. A path id that fails its schema is a 404 (a thing you
 * cannot name does not exist), worded as for an unknown id; a body sent as anything but JSON is a
 * 415; other failures are 400 with each problem as `{path, message, code, …}` (see errors.ts). A
 * missing field says `required`, not the type or options it would have needed.
 */
async function validationHook(result: HookResult, c: Context) {
  if (result.target === "json") {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
    const hasBody = Number(c.req.header("content-length") ?? 0) > 0 || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !JSON_MEDIA.test(mediaType)) {
      await c.var.accessBeforeInputErrors?.();
      throw new AppError("unsupported_media_type", "send the body as application/json");
    }
  }
  if (result.success) return;
  // A caller who may not do this hears so (404, 403) before hearing what is wrong with the input.
  await c.var.accessBeforeInputErrors?.();
  const issues = result.error?.issues ?? [];
  if (result.target === "param") throw notFound(PARAM_THING[String(issues[0]?.path[0])]);
  const worded = issues.map((issue) =>
    (issue.code === "invalid_type" || issue.code === "invalid_value") &&
    issue.path.length > 0 &&
    valueAt(result.data, issue.path) === undefined
      ? { ...issue, message: "required" }
      : issue,
  );
  throw invalidRequest(`invalid ${result.target === "json" ? "body" : result.target}`, worded);
}

/** Every domain's sub-app is made here, so all share the validation behaviour above. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook as never });
}

export type Router = ReturnType<typeof createRouter>;
