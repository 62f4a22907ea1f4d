import type { Logger } from "pino";
import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { auditLogsRoutes } from "./audit-logs.routes.js";
import { createAuditLogsService } from "./audit-logs.service.js";
import { eventsRoutes } from "./events.routes.js";
import { createEventsService } from "./events.service.js";
import { createExportSlots } from "./export-slots.js";
import { pruneExpiredEntries } from "./retention.js";

export function auditModule(deps: {
  db: Db;
  sink: EventSink;
  log: Logger;
  authenticator: TokenAuthenticator;
  config: Pick<Config, "AUDIT_PRUNE_INTERVAL_MS" | "AUDIT_EXPORT_MAX_CONCURRENT">;
}) {
  const events = createEventsService(deps);
  const auditLogs = createAuditLogsService(deps);
  const exportSlots = createExportSlots(deps.config.AUDIT_EXPORT_MAX_CONCURRENT);
  const pruner = setInterval(() => {
    pruneExpiredEntries(deps.db).then(
      (n) => n > 0 && deps.log.info({ pruned: n }, "audit entries past retention pruned"),
      (err) => deps.log.warn({ err }, "audit pruning failed"),
    );
  }, deps.config.AUDIT_PRUNE_INTERVAL_MS);
  pruner.unref();
  return {
    events,
    auditLogs,
    routes: [eventsRoutes(events, deps), auditLogsRoutes(auditLogs, { ...deps, exportSlots })],
    stop: () => clearInterval(pruner),
  };
}
