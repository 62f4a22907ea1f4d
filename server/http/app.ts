import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import type { Histogram, Registry } from "prom-client";
import { AppError } from "../core/errors.js";
import { apiHeaders } from "./api-headers.js";
import { limitBody } from "./body-limit.js";
import { consoleMiddleware } from "./console.js";
import type { AppEnv } from "./context.js";
import { errorResponse } from "./errors.js";
import { methodAwareNotFound } from "./fallbacks.js";
import { nodeRoutes } from "./node-routes.js";
import { wellFormedQuery } from "./query-encoding.js";
import { requestContext } from "./request-context.js";
import { requestMetrics } from "./request-metrics.js";
import type { Router } from "./router.js";

export interface HttpAppOptions {
  logger: Logger;
  trustProxy: boolean;
  bodyLimitBytes: number;
  /** Domain sub-apps mounted under /v1. */
  routers: Router[];
  health: { live: () => boolean; ready: () => Promise<boolean> };
  /**
   * Request timing, and `GET /metrics` when `servePublic` (false when METRICS_PORT serves it on a
   * port of its own: then the public port answers 404 for it).
   */
  metrics?: { registry: Registry; httpDuration: Histogram<"method" | "route" | "status">; servePublic: boolean };
}

/** The Hono app: plumbing middleware, /healthz, /readyz, /openapi.json, /metrics and every domain under /v1. */
export function createHttpApp(options: HttpAppOptions) {
  const app = new OpenAPIHono<AppEnv>();
  // First, so the time covers every other middleware and the error handler's answer too.
  if (options.metrics) app.use("*", requestMetrics(options.metrics.httpDuration));
  app.use("*", requestContext({ logger: options.logger, trustProxy: options.trustProxy }));
  // First under /v1, so that every answer below it (errors, 404, 413) gets the headers.
  app.use("/v1/*", apiHeaders());
  app.use("/v1/*", wellFormedQuery());
  app.use(
    "/v1/*",
    limitBody(options.bodyLimitBytes, (c) => {
      // Answer now and close: the rest of the body is never read.
      c.header("Connection", "close");
      return errorResponse(c, new AppError("payload_too_large", `the body exceeds ${options.bodyLimitBytes} bytes`));
    }),
  );

  for (const router of options.routers) app.route("/v1", router);
  // /healthz, /readyz and /openapi.json (built from every route above, see ./openapi-document.ts).
  nodeRoutes(app, options.health);
  // Prometheus text, for scrapers rather than API clients: a plain route, not in the OpenAPI document.
  const metrics = options.metrics;
  if (metrics?.servePublic) {
    app.get("/metrics", async (c) =>
      c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
    );
  }

  // The web console, after every API route: it leaves /v1 and the node's own paths alone.
  app.use("*", consoleMiddleware());

  app.onError(async (err, c) => {
    // A body that is not JSON, or not sent as JSON, fails before the validators: the caller's
    // access still answers first where the route defers its check (see accessBeforeInputErrors).
    if (err instanceof HTTPException && (err.status === 400 || err.status === 415) && c.var.accessBeforeInputErrors) {
      try {
        await c.var.accessBeforeInputErrors();
      } catch (accessError) {
        return errorResponse(c, accessError);
      }
    }
    return errorResponse(c, err);
  });
  app.notFound(methodAwareNotFound(app));
  return app;
}
