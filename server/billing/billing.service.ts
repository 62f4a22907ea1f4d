import type { BillingProfile, BillingProfileBody } from "../../client-sdk/src/contract/index.js";
import type { Access } from "../access/permissions.js";
import type { RequestScope } from "../core/actor.js";
import type { Db } from "../db/database.js";
import type { BillingProfileRow } from "../db/tables/billing.table.js";
import { type EventSink, mutateOrg } from "../events/unit-of-work.js";
import { findBillingProfile, upsertBillingProfile } from "./billing.repository.js";

const EMPTY: BillingProfile = { contactEmail: null, company: null, address: null, taxId: null, updatedAt: null };

export function toBillingProfile(row: BillingProfileRow | undefined): BillingProfile {
  if (!row) return EMPTY;
  return {
    contactEmail: row.contact_email,
    company: row.company,
    address: row.address,
    taxId: row.tax_id,
    updatedAt: row.updated_at.toISOString(),
  };
}

const FIELDS = ["contactEmail", "company", "address", "taxId"] as const;

export function createBillingService({ db, sink }: { db: Db; sink: EventSink }) {
  return {
    /** An org without a profile yet answers every field null. */
    async get(access: Access): Promise<BillingProfile> {
      return toBillingProfile(await findBillingProfile(db, access.orgId));
    },

    /**
     * Replaces the profile. `billing.updated` names the fields that changed, never their values:
     * the event is for owners only, but the log outlives the profile.
     */
    async put({ actor, context }: RequestScope, orgId: string, body: BillingProfileBody): Promise<BillingProfile> {
      return mutateOrg(
        { db, sink },
        { actor, context, orgId, permission: "org.manage" },
        async ({ trx, head, record }) => {
          const before = toBillingProfile(await findBillingProfile(trx, orgId));
          const after = toBillingProfile(await upsertBillingProfile(trx, orgId, body, head.now));
          const fields = FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
          await record({ type: "billing.updated", target: { type: "billing", id: orgId }, data: { fields } });
          return after;
        },
      );
    },
  };
}

export type BillingService = ReturnType<typeof createBillingService>;
