import type {
  ApiKey,
  AuditFilters,
  ChainReport,
  CreatedApiKey,
  createApiKeyBody,
  OrgEvent,
} from "../contract/index.js";
import type { Http } from "../http.js";
import type { EventPage, Input, Page, PageQuery } from "./types.js";

export function eventsApi(http: Http) {
  return {
    /**
     * The caller's view of the event log after `since`; `nextCursor` is the next `since`.
     * @example
     * const { items, nextCursor } = await client.eventLog.page(orgId, { since: 0, limit: 100 });
     */
    page: (orgId: string, query: { since?: number; limit?: number } = {}) =>
      http.json<EventPage<OrgEvent>>("GET", `/orgs/${orgId}/events`, { query: { ...query } }),
  };
}

export function auditApi(http: Http) {
  return {
    /**
     * Audit entries newest first, with context and hash (owners, audit keys).
     * @example
     * const { items } = await client.audit.list(orgId, { action: "member.*", limit: 100 });
     */
    list: (orgId: string, query: AuditFilters & PageQuery = {}) =>
      http.json<Page<OrgEvent>>("GET", `/orgs/${orgId}/audit-logs`, { query: { ...query } }),

    /**
     * Streams an export, oldest first, as text chunks (CSV with a header row, or NDJSON lines).
     * @example
     * for await (const chunk of client.audit.export(orgId, { format: "csv" })) file.write(chunk);
     */
    async *export(orgId: string, query: AuditFilters & { format: "csv" | "ndjson" }): AsyncGenerator<string> {
      const res = await http.raw("GET", `/orgs/${orgId}/audit-logs/export`, { query: { ...query } });
      if (!res.body) return;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          yield decoder.decode(value, { stream: true });
        }
        const rest = decoder.decode();
        if (rest) yield rest;
      } finally {
        reader.releaseLock();
      }
    },

    /**
     * Walks the hash chain: `{ok, checked, brokenAtSeq?}`.
     * @example
     * const { ok } = await client.audit.verify(orgId);
     */
    verify: (orgId: string) => http.json<ChainReport>("GET", `/orgs/${orgId}/audit-logs/verify`),
  };
}

export function apiKeysApi(http: Http) {
  return {
    /**
     * Live keys, without secrets (owners).
     * @example
     * const { items } = await client.apiKeys.list(orgId);
     */
    list: (orgId: string, query: PageQuery = {}) =>
      http.json<Page<ApiKey>>("GET", `/orgs/${orgId}/api-keys`, { query: { ...query } }),

    /**
     * Creates a key; the answer is the only time its secret is shown.
     * @example
     * const { secret } = await client.apiKeys.create(orgId, { name: "siem", role: "viewer", audit: true });
     */
    create: (orgId: string, body: Input<typeof createApiKeyBody>) =>
      http.json<CreatedApiKey>("POST", `/orgs/${orgId}/api-keys`, { body }),

    /**
     * Revokes a key: 401 from now on, its subscriptions end.
     * @example
     * await client.apiKeys.revoke(orgId, keyId);
     */
    revoke: (orgId: string, keyId: string) => http.json<void>("DELETE", `/orgs/${orgId}/api-keys/${keyId}`),
  };
}
