import type { ColumnType, Generated, Selectable } from "kysely";
import type { ResourceType } from "../../../client-sdk/src/contract/index.js";

export interface ResourcesTable {
  id: string;
  org_id: string;
  project_id: string;
  type: ResourceType;
  name: string;
  config: ColumnType<Record<string, unknown>, string, string>;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type ResourceRow = Selectable<ResourcesTable>;
