import type { ColumnType, Selectable } from "kysely";
import type { BillingAddress } from "../../../client-sdk/src/contract/index.js";

export interface BillingProfilesTable {
  org_id: string;
  contact_email: string;
  company: string | null;
  address: ColumnType<BillingAddress | null, string | null, string | null>;
  tax_id: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type BillingProfileRow = Selectable<BillingProfilesTable>;
