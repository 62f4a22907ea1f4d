import type { TokenResolver } from "../auth/authenticate.js";
import { hashToken, isTokenShaped } from "../auth/tokens.js";
import type { Db } from "../db/database.js";
import { findUsableKeyBySecretHash } from "./api-keys.repository.js";
import { API_KEY_PREFIX } from "./api-keys.service.js";

/** Bearer tokens that start with `ow_` are API keys: live, unexpired, scoped to their org. */
export function apiKeyResolver(db: Db): TokenResolver {
  return async (token) => {
    if (!isTokenShaped(token, API_KEY_PREFIX)) return undefined;
    const key = await findUsableKeyBySecretHash(db, hashToken(token));
    return (
      key && {
        type: "api_key",
        keyId: key.id,
        orgId: key.org_id,
        role: key.role,
        creatorId: key.created_by,
        audit: key.audit,
      }
    );
  };
}
