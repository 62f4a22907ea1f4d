import { createRoute } from "@hono/zod-openapi";
import { stream } from "hono/streaming";
import { z } from "zod";
import { auditExportQuery, auditLogPage, auditQuery, chainReport } from "../../client-sdk/src/contract/index.js";
import { authenticate, type TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import { requestScope } from "../http/context.js";
import { bearer, errorResponses, orgParams, responses } from "../http/openapi.js";
import { createRouter } from "../http/router.js";
import { orgAccess } from "../members/org-access.js";
import type { AuditLogsService } from "./audit-logs.service.js";
import type { ExportSlots } from "./export-slots.js";

const CONTENT_TYPES = { csv: "text/csv; charset=utf-8", ndjson: "application/x-ndjson" } as const;

/** Owners and API keys created with `audit: true` (permission `audit.read`). */
export function auditLogsRoutes(
  service: AuditLogsService,
  deps: { db: Db; authenticator: TokenAuthenticator; exportSlots: ExportSlots },
) {
  const guard = [authenticate(deps.authenticator), orgAccess(deps.db, "audit.read")];
  const app = createRouter();
  const tags = ["audit"];

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/audit-logs",
      operationId: "listAuditLogs",
      summary: "Search the audit log",
      description:
        "Entries newest first, with their context (actor, client address, user agent, request id) and hash. Filters: `actorId`, `action` (a type such as `member.removed` or a prefix such as `member.*`), `projectId`, `from` and `to`. Owners, and API keys created with `audit: true`.",
      tags,
      security: bearer,
      middleware: guard,
      request: { params: orgParams, query: auditQuery },
      responses: responses(200, auditLogPage, "entries newest first, with context and hash"),
    }),
    async (c) => c.json(await service.page(c.var.access, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/audit-logs/export",
      operationId: "exportAuditLogs",
      summary: "Export the audit log",
      description:
        "The matching entries oldest first, streamed in constant memory as CSV (RFC 4180, with a header row) or NDJSON (one full entry per line). Each node runs at most `AUDIT_EXPORT_MAX_CONCURRENT` exports at once; past it 503 `unavailable` with `Retry-After`.",
      tags,
      security: bearer,
      middleware: guard,
      request: { params: orgParams, query: auditExportQuery },
      responses: {
        200: {
          description: "the entries oldest first, streamed: CSV (RFC 4180, header row) or NDJSON (full envelopes)",
          content: { "text/csv": { schema: z.string() }, "application/x-ndjson": { schema: z.string() } },
        },
        ...errorResponses([503]),
      },
    }),
    (c) => {
      const query = c.req.valid("query");
      // After the checks (401, 404, 403, 400): only an export that will run takes a slot.
      const release = deps.exportSlots.acquire();
      c.header("Content-Type", CONTENT_TYPES[query.format]);
      c.header("Content-Disposition", `attachment; filename="audit-${c.var.access.orgId}.${query.format}"`);
      const chunks = service.exportChunks(requestScope(c), c.var.access, query);
      return stream(
        c,
        async (out) => {
          try {
            // One page at a time: `write` resolves once the client took the previous data, so a
            // slow reader slows the reads from Postgres instead of piling pages up in memory.
            for await (const chunk of chunks) {
              await out.write(chunk);
              // A client that went away: leaving the loop ends the generator, which records the
              // export. It is awaited here (not fired from onAbort), so if that record fails the
              // error reaches the handler below instead of becoming an unhandled rejection.
              if (out.aborted) break;
            }
          } finally {
            release();
          }
        },
        async (err) => c.var.log.error({ err }, "audit export failed"),
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/orgs/{orgId}/audit-logs/verify",
      operationId: "verifyAuditChain",
      summary: "Verify the audit hash chain",
      description:
        "Walks the hash chain from its anchor (the last entry pruned by retention, if any) to the head, and reports whether it holds and, if not, the first broken `seq`.",
      tags,
      security: bearer,
      middleware: guard,
      request: { params: orgParams },
      responses: responses(200, chainReport, "the hash chain, walked from its anchor"),
    }),
    async (c) => c.json(await service.verify(c.var.access), 200),
  );

  return app;
}
