import { z } from "zod";
import { EVENT_TYPES } from "./events.js";
import { isoDate, text, uuid } from "./primitives.js";

/**
 * An event filter: `*` (every event), a family such as `member.*`, or one type such as
 * `resource.created`. Only filters that can match a known type are accepted, so a typo is a 400,
 * not an endpoint that silently never fires.
 */
export const webhookEventFilter = text(64).refine(
  (filter) => EVENT_TYPES.some((type) => matchesEventFilter(filter, type)),
  {
    message: "must be *, a family such as member.*, or an event type such as resource.created",
  },
);

/** Whether an event type passes one filter (`*`, `family.*` or an exact type). */
export function matchesEventFilter(filter: string, type: string): boolean {
  if (filter === "*") return true;
  if (filter.endsWith(".*")) return type.startsWith(filter.slice(0, -1));
  return filter === type;
}

/** Whether an event type passes an endpoint's filters. */
export const webhookWants = (filters: readonly string[], type: string): boolean =>
  filters.some((filter) => matchesEventFilter(filter, type));

/** `http:` is accepted here; the server refuses it unless `WEBHOOK_ALLOW_PRIVATE=true`. */
export const webhookUrl = text(2048)
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }));

const events = z.array(webhookEventFilter).min(1).max(50);
const description = text(500).trim();

export const createWebhookBody = z.object({ url: webhookUrl, events, description: description.optional() }).strict();
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = z
  .object({
    url: webhookUrl.optional(),
    events: events.optional(),
    enabled: z.boolean().optional(),
    description: description.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "name at least one of url, events, enabled, description");
export type UpdateWebhookBody = z.infer<typeof updateWebhookBody>;

/** Re-delivers every matching event from `since` (a seq) on, in order. */
export const replayWebhookBody = z.object({ since: z.number().int().min(1) }).strict();
export type ReplayWebhookBody = z.infer<typeof replayWebhookBody>;

export const webhook = z.object({
  id: uuid,
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  /** Why it is off: turned off by an owner, or by Orgwire after about 24 h of failed retries. */
  disabledReason: z.enum(["owner", "failing"]).nullable(),
  /** The last seq the endpoint acknowledged (or skipped, not matching its filters). */
  deliveredSeq: z.number().int().min(0),
  /** When the event it is stuck on first failed; null while deliveries succeed. */
  failingSince: isoDate.nullable(),
  createdAt: isoDate,
});
export type Webhook = z.infer<typeof webhook>;
export const webhookList = z.object({ items: z.array(webhook), nextCursor: z.string().nullable() });

/** The only answer that ever carries the signing secret (`whsec_…`). */
export const createdWebhook = z.object({ webhook, secret: z.string() });
export type CreatedWebhook = z.infer<typeof createdWebhook>;

/** One attempt to deliver one event to one endpoint. */
export const webhookDelivery = z.object({
  id: uuid,
  webhookId: uuid,
  seq: z.number().int().min(1),
  eventId: uuid,
  eventType: z.string(),
  /** 1 for the first try of this event, then 2, 3… (a replay starts again at 1). */
  attempt: z.number().int().min(1),
  status: z.enum(["succeeded", "failed"]),
  durationMs: z.number().int().min(0),
  /** The receiver's HTTP status; null when none came (timeout, refused, blocked address). */
  responseCode: z.number().int().nullable(),
  /** Why it failed, in words; null on success. */
  error: z.string().nullable(),
  /** When the next try is due, after a failure; null on success or once disabled. */
  nextRetryAt: isoDate.nullable(),
  attemptedAt: isoDate,
});
export type WebhookDelivery = z.infer<typeof webhookDelivery>;
export const webhookDeliveryList = z.object({ items: z.array(webhookDelivery), nextCursor: z.string().nullable() });
