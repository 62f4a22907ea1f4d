import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ApiKey, CreateApiKeyBody, CreatedApiKey } from "../../client-sdk/src/contract/index.js";
import type { Access } from "../access/permissions.js";
import { hashToken } from "../auth/tokens.js";
import type { RequestScope } from "../core/actor.js";
import { notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import type { Db } from "../db/database.js";
import type { ApiKeyRow } from "../db/tables/api-keys.table.js";
import { type EventSink, type MutationScope, mutateOrg, mutateOrgAsSystem } from "../events/unit-of-work.js";
import type { MemberRemovalHook } from "../members/members.service.js";
import * as repo from "./api-keys.repository.js";

/** `ow_` + 32 random bytes (base64url): the prefix tells secret scanners and our resolver what it is. */
export const API_KEY_PREFIX = "ow_";
const newSecret = () => `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    audit: row.audit,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

export type ApiKeyRevocationReason = "revoked" | "creator_removed" | "expired";

/** Marks a key revoked and logs `api_key.revoked`, whose delivery disconnects its sockets. */
async function revokeInScope(scope: MutationScope, key: ApiKeyRow, reason: ApiKeyRevocationReason) {
  await repo.markRevoked(scope.trx, key.id, scope.head.now);
  await recordRevocation(scope, key, reason);
}

function recordRevocation(scope: MutationScope, key: ApiKeyRow, reason: ApiKeyRevocationReason) {
  return scope.record({
    type: "api_key.revoked",
    target: { type: "api_key", id: key.id },
    data: { name: key.name, reason },
  });
}

export function createApiKeysService({ db, sink, log }: { db: Db; sink: EventSink; log: Logger }) {
  const deps = { db, sink };
  return {
    async create({ actor, context }: RequestScope, orgId: string, body: CreateApiKeyBody): Promise<CreatedApiKey> {
      return mutateOrg(deps, { actor, context, orgId, permission: "api_keys.manage" }, async (scope) => {
        const secret = newSecret();
        const row = await repo.insertApiKey(scope.trx, {
          id: randomUUID(),
          org_id: orgId,
          name: body.name,
          role: body.role,
          audit: body.audit,
          prefix: secret.slice(0, API_KEY_PREFIX.length + 8),
          secret_hash: hashToken(secret),
          created_by: scope.access.userId,
          expires_at: body.expiresAt ? new Date(body.expiresAt) : null,
        });
        await scope.record({
          type: "api_key.created",
          target: { type: "api_key", id: row.id },
          data: { name: row.name, role: row.role, audit: row.audit },
        });
        return { apiKey: toApiKey(row), secret };
      });
    },

    async list(access: Access, page: { limit: number; cursor?: string }) {
      const rows = await repo.listLiveApiKeys(db, access.orgId, {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(rows, page.limit, toApiKey, (r) => keysetKey(r.created_at, r.id));
    },

    async revoke({ actor, context }: RequestScope, orgId: string, keyId: string): Promise<void> {
      await mutateOrg(deps, { actor, context, orgId, permission: "api_keys.manage" }, async (scope) => {
        const key = await repo.findLiveApiKey(scope.trx, orgId, keyId);
        if (!key) throw notFound("API key");
        await revokeInScope(scope, key, "revoked");
      });
    },

    /** A member's keys go with them (docs/access.md). */
    onMemberRemoved: (async (scope, userId) => {
      for (const key of await repo.revokeKeysOfCreator(scope.trx, scope.head.orgId, userId, scope.head.now)) {
        await recordRevocation(scope, key, "creator_removed");
      }
    }) satisfies MemberRemovalHook,

    /**
     * Marks expired keys revoked so their live sockets are disconnected; HTTP refuses them from
     * the expiry instant on regardless. Safe on many nodes: each key is re-checked under its org's lock.
     */
    async expireDueKeys(): Promise<number> {
      let expired = 0;
      for (const due of await repo.expiredUnrevokedKeys(db, 100)) {
        await mutateOrgAsSystem(deps, due.org_id, "api-key-expiry", async (scope) => {
          const key = await repo.findLiveApiKey(scope.trx, due.org_id, due.id);
          if (!key) return;
          await revokeInScope(scope, key, "expired");
          expired++;
        }).catch((err) => log.warn({ err, keyId: due.id }, "expiring an API key failed"));
      }
      return expired;
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
