import type {
  CreatedWebhook,
  createWebhookBody,
  replayWebhookBody,
  updateWebhookBody,
  Webhook,
  WebhookDelivery,
} from "../contract/index.js";
import type { Http } from "../http.js";
import type { Input, Page, PageQuery } from "./types.js";

export function webhooksApi(http: Http) {
  return {
    /**
     * The organization's webhook endpoints (owners, owner-role API keys).
     * @example
     * const { items } = await client.webhooks.list(orgId);
     */
    list: (orgId: string, query: PageQuery = {}) =>
      http.json<Page<Webhook>>("GET", `/orgs/${orgId}/webhooks`, { query: { ...query } }),

    /**
     * Adds an endpoint (owners; 20 per organization, 409 `conflict` past that). The answer is the
     * only one that carries the signing secret (`whsec_…`): keep it for `verifyWebhook`.
     * @example
     * const { webhook, secret } = await client.webhooks.create(orgId, {
     *   url: "https://hooks.acme.io/orgwire",
     *   events: ["member.*", "resource.created"],
     * });
     */
    create: (orgId: string, body: Input<typeof createWebhookBody>) =>
      http.json<CreatedWebhook>("POST", `/orgs/${orgId}/webhooks`, { body }),

    /**
     * One endpoint, with its delivery state (`deliveredSeq`, `failingSince`, `disabledReason`).
     * @example
     * const { enabled, failingSince } = await client.webhooks.get(orgId, webhookId);
     */
    get: (orgId: string, webhookId: string) => http.json<Webhook>("GET", `/orgs/${orgId}/webhooks/${webhookId}`),

    /**
     * Changes its URL, event filters, description, or turns it on or off.
     * @example
     * await client.webhooks.update(orgId, webhookId, { enabled: false });
     */
    update: (orgId: string, webhookId: string, body: Input<typeof updateWebhookBody>) =>
      http.json<Webhook>("PATCH", `/orgs/${orgId}/webhooks/${webhookId}`, { body }),

    /**
     * Deletes the endpoint; nothing more is sent to it.
     * @example
     * await client.webhooks.remove(orgId, webhookId);
     */
    remove: (orgId: string, webhookId: string) => http.json<void>("DELETE", `/orgs/${orgId}/webhooks/${webhookId}`),

    /**
     * Its delivery attempts, newest first.
     * @example
     * const { items } = await client.webhooks.deliveries(orgId, webhookId, { limit: 20 });
     */
    deliveries: (orgId: string, webhookId: string, query: PageQuery = {}) =>
      http.json<Page<WebhookDelivery>>("GET", `/orgs/${orgId}/webhooks/${webhookId}/deliveries`, {
        query: { ...query },
      }),

    /**
     * Sends every matching event from seq `since` on again, in order.
     * @example
     * await client.webhooks.replay(orgId, webhookId, { since: 120 });
     */
    replay: (orgId: string, webhookId: string, body: Input<typeof replayWebhookBody>) =>
      http.json<Webhook>("POST", `/orgs/${orgId}/webhooks/${webhookId}/replay`, { body }),
  };
}
