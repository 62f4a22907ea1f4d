import type { Generated, Selectable } from "kysely";
import type { OrgRole } from "../../../client-sdk/src/contract/index.js";

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: OrgRole;
  joined_at: Generated<Date>;
}

export type MembershipRow = Selectable<MembershipsTable>;
