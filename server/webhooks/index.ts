import type { Logger } from "pino";
import type { WebhookDelivery } from "../../client-sdk/src/contract/index.js";
import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { MfaCipher } from "../auth/totp.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { createDeliverer } from "./deliverer.js";
import { pruneDeliveries } from "./webhooks.repository.js";
import { webhooksRoutes } from "./webhooks.routes.js";
import { createWebhooksService } from "./webhooks.service.js";

/** The response body read of one attempt: enough for an error message, never a memory sink. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** The delivery log keeps this long; the events themselves stay in the audit log. */
const DELIVERY_LOG_DAYS = 30;
const PRUNE_EVERY_MS = 3_600_000;

export function webhooksModule(deps: {
  db: Db;
  sink: EventSink;
  log: Logger;
  authenticator: TokenAuthenticator;
  cipher: MfaCipher;
  config: Config;
  onAttempt: (orgId: string, delivery: WebhookDelivery) => void;
}) {
  const { config } = deps;
  const deliverer = createDeliverer({
    ...deps,
    nodeId: config.NODE_ID,
    config: {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      retry: {
        baseMs: config.WEBHOOK_RETRY_BASE_MS,
        maxMs: config.WEBHOOK_RETRY_MAX_MS,
        giveUpAfterMs: config.WEBHOOK_GIVE_UP_AFTER_MS,
      },
      leaseMs: config.OUTBOUND_LEASE_MS,
      pollMs: config.OUTBOUND_POLL_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
    },
  });
  const service = createWebhooksService({
    db: deps.db,
    sink: deps.sink,
    cipher: deps.cipher,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    onDue: deliverer.wake,
  });
  const pruner = setInterval(() => {
    pruneDeliveries(deps.db, new Date(Date.now() - DELIVERY_LOG_DAYS * 86_400_000)).catch((err) =>
      deps.log.warn({ err }, "pruning the webhook delivery log failed"),
    );
  }, PRUNE_EVERY_MS);
  pruner.unref();
  return {
    service,
    routes: webhooksRoutes(service, deps),
    /** After each local commit: endpoints may have work now. */
    nudge: deliverer.nudge,
    async stop() {
      clearInterval(pruner);
      await deliverer.stop();
    },
  };
}
