import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { Webhook as Signer } from "standardwebhooks";
import { type WebhookDelivery, webhookWants } from "../../client-sdk/src/contract/index.js";
import type { MfaCipher } from "../auth/totp.js";
import type { Db } from "../db/database.js";
import type { WebhookRow } from "../db/tables/webhooks.table.js";
import { type FullEvent, logRowsFrom, projectEvent, rowToEvent } from "../events/event-log.repository.js";
import { type EventSink, mutateOrgAsSystem } from "../events/unit-of-work.js";
import { createLeaseKeeper } from "../outbound/lease-keeper.js";
import { type RetryPolicy, retriesExhausted, retryDelayMs } from "../outbound/retry.js";
import { postWebhook } from "./post.js";
import * as repo from "./webhooks.repository.js";
import { toDelivery } from "./webhooks.service.js";

export interface DelivererConfig {
  timeoutMs: number;
  maxResponseBytes: number;
  allowPrivate: boolean;
  retry: RetryPolicy;
  leaseMs: number;
  pollMs: number;
  /** Endpoints one node delivers to at once (each one event at a time, in order). */
  concurrency: number;
}

export interface DelivererDeps {
  db: Db;
  sink: EventSink;
  log: Logger;
  cipher: MfaCipher;
  nodeId: string;
  config: DelivererConfig;
  /** Each attempt, as it is logged: the org's live delivery log. */
  onAttempt: (orgId: string, delivery: WebhookDelivery) => void;
}

/** Events read per round trip while an endpoint catches up. */
const BATCH = 50;

/**
 * Delivers each webhook endpoint's events in seq order, at least once, from its cursor in
 * Postgres. Exactly one node works on an endpoint at a time (a lease, see ../outbound/leases.repository.ts);
 * it sends event n+1 only after n got a 2xx, and moves the cursor after each. A failure is
 * logged and retried later with backoff (../outbound/retry.ts); after about a day of failures
 * the endpoint is turned off with a `webhook.disabled` event.
 */
export function createDeliverer(deps: DelivererDeps) {
  const { db, log, cipher, config } = deps;
  const owner = `${deps.nodeId}/${randomUUID()}`;
  const keeper = createLeaseKeeper({
    db,
    log,
    table: "webhooks",
    owner,
    leaseMs: config.leaseMs,
    pollMs: config.pollMs,
    concurrency: config.concurrency,
    work: repo.endpointHasWork,
    anyWork: () => repo.anyEnabledWebhook(db),
    drive,
  });

  async function drive(id: string): Promise<void> {
    for (;;) {
      const endpoint = await repo.loadForDelivery(db, id);
      if (!endpoint?.enabled || endpoint.lease_owner !== owner) return;
      const from = Number(endpoint.delivered_seq);
      const rows = from < Number(endpoint.head_seq) ? await logRowsFrom(db, endpoint.org_id, from + 1, BATCH) : [];
      if (rows.length === 0) return;
      const signer = new Signer(cipher.decrypt(endpoint.secret, id));
      let cursor = from;
      let first = true;
      for (const event of rows.map(rowToEvent)) {
        if (!webhookWants(endpoint.events, event.type)) continue;
        const attempt = first ? endpoint.attempts + 1 : 1;
        const moved = await deliverOne(endpoint, signer, event, {
          cursor,
          attempt,
          failingSince: first ? endpoint.failing_since : null,
        });
        first = false;
        // Failed (it waits for its retry), or the cursor could not move: replayed, turned off or lost.
        if (!moved) return;
        cursor = event.seq;
      }
      const last = rows.at(-1)?.seq ?? cursor;
      if (Number(last) > cursor && !(await repo.advanceCursor(db, id, owner, cursor, Number(last)))) return;
    }
  }

  /**
   * One try, logged. On a 2xx the cursor moves to the event (past the skipped ones before it too)
   * in the same statement; answers whether it moved. On a failure, schedules the retry or turns the
   * endpoint off, and answers false.
   */
  async function deliverOne(
    endpoint: WebhookRow,
    signer: Signer,
    event: FullEvent,
    at: { cursor: number; attempt: number; failingSince: Date | null },
  ): Promise<boolean> {
    // The owner view without `context`: ip and user agent stay in the audit log.
    const { context: _context, ...view } = projectEvent(event, true);
    const body = JSON.stringify(view);
    const sentAt = new Date();
    const signature = signer.sign(event.id, sentAt, body);
    const result = await postWebhook({
      url: endpoint.url,
      body,
      headers: {
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      timeoutMs: config.timeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      allowPrivate: config.allowPrivate,
    });
    const ok = result.error === null;
    let nextRetryAt: Date | null = null;
    if (!ok) {
      const failingSince = at.failingSince ?? sentAt;
      if (retriesExhausted(failingSince, new Date(), config.retry)) {
        await disable(endpoint, at.cursor, event.seq, failingSince);
      } else {
        const delay = retryDelayMs(at.attempt, config.retry);
        nextRetryAt = new Date(Date.now() + delay);
        await repo.recordFailure(db, endpoint.id, owner, at.cursor, { attempts: at.attempt, delayMs: delay });
      }
    }
    const row = {
      id: randomUUID(),
      webhook_id: endpoint.id,
      seq: event.seq,
      event_id: event.id,
      event_type: event.type,
      attempt: at.attempt,
      status: ok ? ("succeeded" as const) : ("failed" as const),
      duration_ms: result.durationMs,
      response_code: result.status,
      error: result.error,
      next_retry_at: nextRetryAt,
      attempted_at: sentAt,
    };
    let moved = false;
    if (ok) {
      moved = await repo.recordSuccess(db, row, { id: endpoint.id, owner, from: at.cursor, to: event.seq });
    } else {
      await repo
        .insertDelivery(db, row)
        .catch((err) => log.warn({ err, webhookId: endpoint.id }, "delivery not logged"));
    }
    deps.onAttempt(endpoint.org_id, toDelivery(row));
    return moved;
  }

  async function disable(endpoint: WebhookRow, cursor: number, seq: number, failingSince: Date) {
    await mutateOrgAsSystem({ db, sink: deps.sink }, endpoint.org_id, "webhook-delivery", async (scope) => {
      await scope.write(repo.disablingFailedWebhook(endpoint.id, owner, cursor), {
        type: "webhook.disabled",
        target: { type: "webhook", id: endpoint.id },
        data: { url: endpoint.url, seq, failingSince: failingSince.toISOString() },
      });
    });
    log.warn({ webhookId: endpoint.id, orgId: endpoint.org_id, seq }, "webhook turned off after a day of failures");
  }

  return { nudge: keeper.nudge, wake: keeper.wake, stop: keeper.stop, owner };
}

export type Deliverer = ReturnType<typeof createDeliverer>;
