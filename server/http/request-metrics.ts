import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Histogram } from "prom-client";

/** Methods kept as a label value; anything else is "other", so a client cannot mint label values. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Hono's `/v1/orgs/:orgId{[0-9a-f-]+}` as the OpenAPI document spells it: `/v1/orgs/{orgId}`. */
const labelOf = (pattern: string) => pattern.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");

/**
 * Times every request by method, route pattern and status. The route is the pattern of the handler
 * the router matched, never the raw path: ids in a label would make a series per org. A request
 * only middleware (404, 405, the console's pages) matched is "unmatched".
 */
export function requestMetrics(histogram: Histogram<"method" | "route" | "status">): MiddlewareHandler {
  // Patterns are few (one per route): converted once each.
  const labels = new Map<string, string>();
  const routeOf = (c: Context) => {
    const routes = matchedRoutes(c);
    for (let i = routes.length - 1; i >= 0; i--) {
      const route = routes[i];
      // app.use registers as "ALL"; every endpoint has its method.
      if (!route || route.method === "ALL") continue;
      let label = labels.get(route.path);
      if (label === undefined) {
        label = labelOf(route.path);
        labels.set(route.path, label);
      }
      return label;
    }
    return "unmatched";
  };
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : "other";
      // An error that escaped Hono's onError still answers 500.
      const status = c.finalized ? c.res.status : 500;
      histogram.observe({ method, route: routeOf(c), status: String(status) }, (performance.now() - started) / 1000);
    }
  };
}
