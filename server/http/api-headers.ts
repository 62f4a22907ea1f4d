import { createMiddleware } from "hono/factory";

/**
 * Headers on every /v1 answer, errors included (they are set after the handler, the error handler
 * and the not-found handler have all run):
 * - `X-Content-Type-Options: nosniff`: a browser must take JSON for JSON, never sniff it into a
 *   script or a page (error messages and names echo what callers sent).
 * - `Cache-Control: no-store`: every answer is per caller, and some carry secrets (session tokens
 *   from signup and login, a new API key); no browser or shared cache may keep any of them. A
 *   route that sets its own Cache-Control keeps it.
 */
export function apiHeaders() {
  return createMiddleware(async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
}
