import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  createdWebhook,
  createWebhookBody,
  replayWebhookBody,
  updateWebhookBody,
  webhook,
  webhookDeliveryList,
  webhookList,
} from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import { pageQuery } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, idParam, jsonBody, noContent, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess, orgAccessBeforeInputErrors } from "../members/org-access.js";
import type { WebhooksService } from "./webhooks.service.js";

const webhookParams = z.object({ orgId: idParam, webhookId: idParam });
const OWNERS = "Owners, and owner-role API keys.";

export function webhooksRoutes(service: WebhooksService, deps: { db: Db; authenticator: TokenAuthenticator }) {
  const anyToken = authenticate(deps.authenticator);
  const read = [anyToken, orgAccess(deps.db, "webhooks.manage")];
  // The service checks access under the org's lock; the early check runs only for bad input.
  const write = [anyToken, orgAccessBeforeInputErrors(deps.db, "webhooks.manage")];
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/webhooks",
      operationId: "listWebhooks",
      summary: "List webhooks",
      description: `The organization's webhook endpoints, oldest first, without their secrets. ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: read,
      request: { params: orgParams, query: pageQuery },
      responses: responses(200, webhookList, "the endpoints"),
    }),
    async (c) => c.json(await service.list(c.var.access, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/webhooks",
      operationId: "createWebhook",
      summary: "Create a webhook",
      description: `Sends every event from now on whose type matches \`events\` (\`*\`, \`member.*\`, \`resource.created\`) to \`url\`, signed per Standard Webhooks, in seq order, at least once. The signing secret (\`whsec_…\`) is in this answer and nowhere else. \`url\` must be https and reach a public address (400 \`url_not_allowed\`) unless the server runs with \`WEBHOOK_ALLOW_PRIVATE=true\`. At most 20 per organization (409). Recorded as \`webhook.created\`. ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: write,
      request: { params: orgParams, ...jsonBody(createWebhookBody) },
      responses: responses(201, createdWebhook, "the endpoint and its secret, shown this once", [409]),
    }),
    async (c) => c.json(await service.create(requestScope(c), c.req.valid("param").orgId, c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/webhooks/{webhookId}",
      operationId: "getWebhook",
      summary: "Get a webhook",
      description: `One endpoint, with its cursor (\`deliveredSeq\`) and whether it is failing. ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: read,
      request: { params: webhookParams },
      responses: responses(200, webhook, "the endpoint"),
    }),
    async (c) => c.json(await service.get(c.var.access, c.req.valid("param").webhookId), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/orgs/{orgId}/webhooks/{webhookId}",
      operationId: "updateWebhook",
      summary: "Update a webhook",
      description: `Changes \`url\`, \`events\`, \`description\`, or turns the endpoint off and on (\`enabled\`). Turned back on, it resumes after the last event it acknowledged, with a fresh retry schedule. Recorded as \`webhook.updated\` naming the changed fields (nothing when nothing changed). ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: write,
      request: { params: webhookParams, ...jsonBody(updateWebhookBody) },
      responses: responses(200, webhook, "the endpoint"),
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid("param");
      return c.json(await service.update(requestScope(c), orgId, webhookId, c.req.valid("json")), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/orgs/{orgId}/webhooks/{webhookId}",
      operationId: "deleteWebhook",
      summary: "Delete a webhook",
      description: `Stops deliveries and deletes the endpoint with its delivery log. Recorded as \`webhook.deleted\`. ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: [anyToken],
      request: { params: webhookParams },
      responses: noContent("deleted"),
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid("param");
      await service.remove(requestScope(c), orgId, webhookId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/webhooks/{webhookId}/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "List a webhook's deliveries",
      description: `Delivery attempts, newest first: seq, event id, status, duration, response code, next retry. Kept 30 days. ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: read,
      request: { params: webhookParams, query: pageQuery },
      responses: responses(200, webhookDeliveryList, "attempts, newest first"),
    }),
    async (c) =>
      c.json(await service.deliveries(c.var.access, c.req.valid("param").webhookId, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/orgs/{orgId}/webhooks/{webhookId}/replay",
      operationId: "replayWebhook",
      summary: "Replay a webhook from a seq",
      description: `Sends again every matching event from \`since\` on, in order (never skips ahead: a \`since\` past the cursor leaves it). Events the audit retention pruned are gone. Recorded as \`webhook.replayed\`. ${OWNERS}`,
      tags: ["webhooks"],
      security: bearer,
      middleware: write,
      request: { params: webhookParams, ...jsonBody(replayWebhookBody) },
      responses: responses(200, webhook, "the endpoint, its cursor moved back"),
    }),
    async (c) => {
      const { orgId, webhookId } = c.req.valid("param");
      return c.json(await service.replay(requestScope(c), orgId, webhookId, c.req.valid("json").since), 200);
    },
  );

  return app;
}
