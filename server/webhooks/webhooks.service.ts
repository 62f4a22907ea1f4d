import { randomBytes, randomUUID } from "node:crypto";
import type {
  CreatedWebhook,
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
} from "../../client-sdk/src/contract/index.js";
import type { Access } from "../access/permissions.js";
import type { MfaCipher } from "../auth/totp.js";
import type { RequestScope } from "../core/actor.js";
import { AppError, notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import type { Db } from "../db/database.js";
import type { WebhookDeliveryRow, WebhookRow } from "../db/tables/webhooks.table.js";
import { type EventSink, mutateOrg } from "../events/unit-of-work.js";
import { BlockedAddressError, checkWebhookUrl, WebhookUrlError } from "./ssrf.js";
import * as repo from "./webhooks.repository.js";

/** An org's endpoints: enough for every integration, few enough that one org cannot flood the deliverers. */
export const MAX_WEBHOOKS_PER_ORG = 20;

/** `whsec_` + 32 random bytes in base64: the Standard Webhooks secret format. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    deliveredSeq: Number(row.delivered_seq),
    failingSince: row.failing_since?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

export function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    seq: Number(row.seq),
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    status: row.status,
    durationMs: row.duration_ms,
    responseCode: row.response_code,
    error: row.error,
    nextRetryAt: row.next_retry_at?.toISOString() ?? null,
    attemptedAt: new Date(row.attempted_at).toISOString(),
  };
}

export interface WebhooksServiceDeps {
  db: Db;
  sink: EventSink;
  cipher: MfaCipher;
  allowPrivate: boolean;
  /** Called after a commit that gave an endpoint work to do now (created, turned on, replayed). */
  onDue: () => void;
}

export function createWebhooksService({ db, sink, cipher, allowPrivate, onDue }: WebhooksServiceDeps) {
  const deps = { db, sink };

  /** Refuses URLs that reach this network (SSRF), before any transaction; see ./ssrf.ts. */
  async function vetUrl(url: string) {
    try {
      await checkWebhookUrl(url, { allowPrivate });
    } catch (err) {
      if (err instanceof BlockedAddressError || err instanceof WebhookUrlError) {
        throw new AppError("url_not_allowed", `url ${err.message}`);
      }
      throw err;
    }
  }

  return {
    async create({ actor, context }: RequestScope, orgId: string, body: CreateWebhookBody): Promise<CreatedWebhook> {
      await vetUrl(body.url);
      const created = await mutateOrg(deps, { actor, context, orgId, permission: "webhooks.manage" }, async (scope) => {
        if ((await repo.countWebhooks(scope.trx, orgId)) >= MAX_WEBHOOKS_PER_ORG) {
          throw new AppError("conflict", `an organization has at most ${MAX_WEBHOOKS_PER_ORG} webhooks`);
        }
        const id = randomUUID();
        const secret = newSecret();
        const [row] = await scope.write<WebhookRow>(
          repo.insertingWebhook({
            id,
            orgId,
            url: body.url,
            events: body.events,
            description: body.description ?? null,
            secret: cipher.encrypt(secret, id),
            createdBy: scope.access.userId,
            // From the next event on: the endpoint's own creation is the last it is not sent.
            deliveredSeq: scope.head.seq + 1,
          }),
          { type: "webhook.created", target: { type: "webhook", id }, data: { url: body.url, events: body.events } },
        );
        return { webhook: toWebhook(row as WebhookRow), secret };
      });
      onDue();
      return created;
    },

    async list(access: Access, page: { limit: number; cursor?: string }) {
      const rows = await repo.listWebhooks(db, access.orgId, {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(rows, page.limit, toWebhook, (r) => keysetKey(r.created_at, r.id));
    },

    async get(access: Access, webhookId: string): Promise<Webhook> {
      const row = await repo.findWebhook(db, access.orgId, webhookId);
      if (!row) throw notFound("webhook");
      return toWebhook(row);
    },

    async update({ actor, context }: RequestScope, orgId: string, webhookId: string, body: UpdateWebhookBody) {
      if (body.url !== undefined) await vetUrl(body.url);
      const updated = await mutateOrg(deps, { actor, context, orgId, permission: "webhooks.manage" }, async (scope) => {
        const current = await repo.findWebhook(scope.trx, orgId, webhookId);
        if (!current) throw notFound("webhook");
        const fields = (["url", "events", "enabled", "description"] as const).filter(
          (f) => body[f] !== undefined && JSON.stringify(body[f]) !== JSON.stringify(current[f]),
        );
        if (fields.length === 0) return toWebhook(current);
        const [row] = await scope.write<WebhookRow>(repo.updatingWebhook(orgId, webhookId, body), {
          type: "webhook.updated",
          target: { type: "webhook", id: webhookId },
          data: {
            url: body.url ?? current.url,
            events: body.events ?? current.events,
            enabled: body.enabled ?? current.enabled,
            fields,
          },
        });
        return toWebhook(row as WebhookRow);
      });
      if (body.enabled) onDue();
      return updated;
    },

    async remove({ actor, context }: RequestScope, orgId: string, webhookId: string): Promise<void> {
      await mutateOrg(deps, { actor, context, orgId, permission: "webhooks.manage" }, async (scope) => {
        const current = await repo.findWebhook(scope.trx, orgId, webhookId);
        if (!current) throw notFound("webhook");
        await scope.write(repo.deletingWebhook(orgId, webhookId), {
          type: "webhook.deleted",
          target: { type: "webhook", id: webhookId },
          data: { url: current.url },
        });
      });
    },

    async replay({ actor, context }: RequestScope, orgId: string, webhookId: string, since: number): Promise<Webhook> {
      const replayed = await mutateOrg(
        deps,
        { actor, context, orgId, permission: "webhooks.manage" },
        async (scope) => {
          const current = await repo.findWebhook(scope.trx, orgId, webhookId);
          if (!current) throw notFound("webhook");
          if (since > scope.head.seq) {
            throw new AppError("invalid_request", `since must be at most the log's last seq (${scope.head.seq})`);
          }
          const [row] = await scope.write<WebhookRow>(repo.replayingWebhook(orgId, webhookId, since), {
            type: "webhook.replayed",
            target: { type: "webhook", id: webhookId },
            data: { url: current.url, since },
          });
          return toWebhook(row as WebhookRow);
        },
      );
      onDue();
      return replayed;
    },

    async deliveries(access: Access, webhookId: string, page: { limit: number; cursor?: string }) {
      if (!(await repo.findWebhook(db, access.orgId, webhookId))) throw notFound("webhook");
      const rows = await repo.listDeliveries(db, webhookId, {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(rows, page.limit, toDelivery, (r) => keysetKey(new Date(r.attempted_at), r.id));
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
