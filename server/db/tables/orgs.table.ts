import type { ColumnType, Generated, Selectable } from "kysely";
import type { OrgSettings } from "../../../client-sdk/src/contract/index.js";

export interface OrgsTable {
  id: string;
  name: string;
  settings: ColumnType<OrgSettings, string, string>;
  created_by: string;
  created_at: Generated<Date>;
  deleted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type OrgRow = Selectable<OrgsTable>;
