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

/**
 * `readDb` (DATABASE_READ_URL's replica, or `db` itself) serves the audit log's pages, exports and
 * chain verification: reads of history that may lag a little. Everything else stays on `db`: who
 * may read (role lookups must see a removal at once), the export's own `audit.exported` record,
 * pruning, and `GET /events`, which sockets use to fill gaps and so must read their own writes.
 */
export function auditModule(deps: {
  db: Db;
  readDb: Db;
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
