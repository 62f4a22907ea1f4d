import type { Context, Hono } from "hono";
import { AppError, notFound } from "../core/errors.js";
import { errorResponse } from "./errors.js";

/**
 * 404 for unknown paths, 405 for a known path with another method. Route patterns are read from
 * the app once it is fully built.
 */
export function methodAwareNotFound(app: Pick<Hono, "routes">) {
  let patterns: { method: string; regex: RegExp }[] | undefined;
  return (c: Context) => {
    patterns ??= app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({
        method: r.method,
        regex: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+")}/?$`),
      }));
    const allowed = [...new Set(patterns.filter((p) => p.regex.test(c.req.path)).map((p) => p.method))];
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      return errorResponse(c, new AppError("method_not_allowed", `use ${allowed.join(" or ")}`));
    }
    return errorResponse(c, notFound("route"));
  };
}
