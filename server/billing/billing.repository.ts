import type { BillingProfileBody } from "../../client-sdk/src/contract/index.js";
import type { Executor } from "../db/database.js";

export function findBillingProfile(db: Executor, orgId: string) {
  return db.selectFrom("billing_profiles").selectAll().where("org_id", "=", orgId).executeTakeFirst();
}

/** PUT semantics: the whole profile is replaced. */
export function upsertBillingProfile(db: Executor, orgId: string, body: BillingProfileBody, at: Date) {
  const values = {
    contact_email: body.contactEmail,
    company: body.company ?? null,
    address: body.address ? JSON.stringify(body.address) : null,
    tax_id: body.taxId ?? null,
    updated_at: at,
  };
  return db
    .insertInto("billing_profiles")
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column("org_id").doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
}
