import type { ColumnType, Generated, Selectable } from "kysely";
import type { OrgRole, ProjectGrant } from "../../../client-sdk/src/contract/index.js";

export interface InvitationsTable {
  id: string;
  org_id: string;
  /** Lower-cased. */
  email: string;
  role: OrgRole;
  /** Project roles granted on acceptance (required for guests). */
  projects: ColumnType<ProjectGrant[], string, string>;
  token_hash: string;
  invited_by: string;
  created_at: Generated<Date>;
  expires_at: Date;
  accepted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  accepted_by: ColumnType<string | null, string | null | undefined, string | null>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type InvitationRow = Selectable<InvitationsTable>;
