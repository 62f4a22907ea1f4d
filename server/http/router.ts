import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { AppError, invalidRequest, notFound } from "./errors.js";

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Runs after every zod-openapi validator. A path id that fails its schema is a 404 (a thing you
 * cannot name does not exist); a body sent as anything but JSON is a 415; other failures are 400
 * with the zod issues as details.
 */
function validationHook(result: { success: boolean; target: string; error?: { issues: unknown } }, c: Context) {
  if (result.target === "json") {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
    const hasBody = Number(c.req.header("content-length") ?? 0) > 0 || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !JSON_MEDIA.test(mediaType)) {
      throw new AppError("unsupported_media_type", "send the body as application/json");
    }
  }
  if (result.success) return;
  if (result.target === "param") throw notFound();
  throw invalidRequest(`invalid ${result.target === "json" ? "body" : result.target}`, result.error?.issues);
}

/** Every domain's sub-app is made here, so all share the validation behaviour above. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook as never });
}

export type Router = ReturnType<typeof createRouter>;
