import { createMiddleware } from "hono/factory";

/**
 * Headers on every /v1 answer, errors included (the error and not-found handlers' answers too):
 * - `X-Content-Type-Options: nosniff`: a browser must take JSON for JSON, never sniff it into a
 *   script or a page (error messages and names echo what callers sent).
 * - `Cache-Control: no-store`: every answer is per caller, and some carry secrets (session tokens
 *   from signup and login, a new API key); no browser or shared cache may keep any of them. A
 *   route that sets its own Cache-Control keeps it.
 */
export function apiHeaders() {
  return createMiddleware(async (c, next) => {
    // Set before the handler, they go into the answer it builds (a handler's own Cache-Control
    // replaces this one). Setting a header on an answer already built makes Hono copy it into a
    // full web Response, body stream and all: that is left to answers a route built itself.
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", "no-store");
    await next();
    const headers = c.res.headers;
    if (!headers.has("X-Content-Type-Options")) c.header("X-Content-Type-Options", "nosniff");
    if (!headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
}
