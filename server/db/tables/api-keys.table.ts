import type { ColumnType, Generated, Selectable } from "kysely";
import type { ApiKeyRole } from "../../../client-sdk/src/contract/index.js";

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  role: ApiKeyRole;
  audit: boolean;
  /** The first characters of the secret, shown in lists so owners can tell keys apart. */
  prefix: string;
  secret_hash: string;
  created_by: string;
  created_at: Generated<Date>;
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
