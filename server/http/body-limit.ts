import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/**
 * Refuses a request body over `maxSize` bytes. A body with a Content-Length is judged by that
 * header alone; only a chunked body goes through Hono's `bodyLimit`, which counts it as it streams.
 *
 * Why not `bodyLimit` for every request: it reads `c.req.raw.body`, and on @hono/node-server that
 * makes a whole web `Request` with a body stream for each call (about a tenth of a mutation's CPU
 * here). Left alone, the validator's `c.req.json()` reads the Node request directly. A GET or HEAD
 * body is never read by any route, so it is not looked at.
 */
export function limitBody(maxSize: number, tooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length, 10) > maxSize ? tooLarge(c) : next();
    }
    return streamed(c, next);
  };
}
