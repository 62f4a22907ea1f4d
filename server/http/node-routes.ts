import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "./context.js";
import { noToken } from "./openapi.js";
import { buildOpenApiDocument } from "./openapi-document.js";

const status = z.object({ ok: z.boolean() }).meta({ description: "`ok` is true when the node is live (or ready)." });
const json = (description: string) => ({ description, content: { "application/json": { schema: status } } });

/**
 * The node's own routes, outside /v1: liveness, readiness and the OpenAPI document. They are
 * registered after the /v1 routers so that the document, built at the first request, has them all.
 */
export function nodeRoutes(app: OpenAPIHono<AppEnv>, health: { live: () => boolean; ready: () => Promise<boolean> }) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["node"],
      operationId: "getLiveness",
      summary: "Is the process alive?",
      description: "200 while the process lives, whatever the state of its database and bus. For liveness probes.",
      security: noToken,
      responses: { 200: json("The process is alive.") },
    }),
    (c) => c.json({ ok: health.live() }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      tags: ["node"],
      operationId: "getReadiness",
      summary: "Can the node serve requests?",
      description:
        "200 when the database and the bus answer and the node is not draining; 503 otherwise. For load balancers and readiness probes.",
      security: noToken,
      responses: {
        200: json("Ready: the database and the bus answer."),
        503: json("Not ready: the database or the bus does not answer, or the node is draining."),
      },
    }),
    async (c) => {
      const ready = await health.ready();
      return ready ? c.json({ ok: true }, 200) : c.json({ ok: false }, 503);
    },
  );

  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      tags: ["node"],
      operationId: "getOpenApiDocument",
      summary: "This document",
      description: "The OpenAPI 3.1 description of every HTTP route of this node.",
      security: noToken,
      responses: {
        200: {
          description: "The OpenAPI document.",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    }),
    (c) => {
      document ??= buildOpenApiDocument(app);
      return c.json(document, 200);
    },
  );
}
