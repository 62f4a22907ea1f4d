import { createMiddleware } from "hono/factory";
import { invalidRequest } from "../core/errors.js";

/**
 * A query string must be percent-encoded UTF-8. Hono keeps a sequence it cannot decode as the
 * literal text (`%ED%A0%80`, a lone surrogate's bytes, would reach a filter as those 9 characters),
 * so such a query is refused here, as 400, before any validator or service sees it.
 */
export function wellFormedQuery() {
  return createMiddleware(async (c, next) => {
    const url = c.req.url;
    const start = url.indexOf("?");
    if (start !== -1) {
      try {
        decodeURIComponent(url.slice(start + 1).split("#")[0] ?? "");
      } catch {
        throw invalidRequest("the query string is not valid percent-encoded UTF-8");
      }
    }
    await next();
  });
}
