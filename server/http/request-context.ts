import { randomUUID } from "node:crypto";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createMiddleware } from "hono/factory";
import type { Logger } from "pino";
import { redactPath } from "./redact.js";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when well-formed), a child logger that
 * prints it on every line, and the context recorded with its events. X-Forwarded-For is believed
 * only behind a proxy we were told to trust.
 */
export function requestContext(options: { logger: Logger; trustProxy: boolean }) {
  return createMiddleware(async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    const log = options.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    c.set("requestContext", {
      ip: clientIp(c, options.trustProxy),
      userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
      requestId,
    });
    c.header("X-Request-Id", requestId);
    const started = performance.now();
    await next();
    // Redacted: invitation links carry their token in the path.
    log.info(
      {
        method: c.req.method,
        path: redactPath(c.req.path),
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });
}

function clientIp(c: Parameters<typeof getConnInfo>[0], trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // in-process app.request() has no socket
  }
}
