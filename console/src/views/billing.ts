import { html, type TemplateResult } from "lit-html";
import type { BillingProfileBody } from "../../../client-sdk/src/index.js";
import { when } from "../format.js";
import { api, attempt, formValues } from "../session.js";
import { type OrgView, state, update } from "../store.js";
import { orgHeading } from "./shell.js";

/** The billing profile (owners): who receives invoices, the company, its address and tax id. */
export function billingPage(view: OrgView): TemplateResult {
  const billing = view.billing;
  if (!billing) return html`${orgHeading("Billing")}<p class="empty" role="status">Loading…</p>`;
  const address = billing.address;
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    const body: BillingProfileBody = { contactEmail: get("contactEmail") };
    if (get("company")) body.company = get("company");
    if (get("taxId")) body.taxId = get("taxId");
    if (get("line1") || get("city") || get("postalCode") || get("country")) {
      body.address = {
        line1: get("line1"),
        city: get("city"),
        postalCode: get("postalCode"),
        country: get("country"),
        ...(get("line2") ? { line2: get("line2") } : {}),
        ...(get("region") ? { region: get("region") } : {}),
      };
    }
    const saved = await attempt(() => api().orgs.setBilling(view.id, body), "Billing profile saved.");
    if (!saved || state.org !== view) return;
    view.billing = saved;
    update();
  };
  const field = (name: string, label: string, value: string | null | undefined) =>
    html`<label class="field field--grow"
      ><span>${label}</span><input name=${name} maxlength="200" .value=${value ?? ""}
    /></label>`;
  return html`${orgHeading("Billing")}
    <section class="card" aria-labelledby="billing-title" data-testid="billing">
      <h2 id="billing-title">Billing profile</h2>
      <p class="muted" data-testid="billing-updated">
        ${billing.updatedAt ? `Last changed ${when(billing.updatedAt)}.` : "Not set up yet."} Invoices go to the
        contact email. Saving replaces the whole profile.
      </p>
      <form class="form" @submit=${submit} data-testid="billing-form">
        <div class="form form--inline">
          <label class="field field--grow"
            ><span>Contact email</span
            ><input name="contactEmail" type="email" required maxlength="254" .value=${billing.contactEmail ?? ""}
          /></label>
          ${field("company", "Company (optional)", billing.company)}
          <label class="field"
            ><span>Tax id (optional)</span
            ><input name="taxId" maxlength="32" placeholder="FR40303265045" .value=${billing.taxId ?? ""}
          /></label>
        </div>
        <fieldset class="fieldset">
          <legend>Address (optional; if given: line 1, city, postal code and country)</legend>
          <div class="form form--inline">
            ${field("line1", "Line 1", address?.line1)} ${field("line2", "Line 2", address?.line2)}
          </div>
          <div class="form form--inline">
            ${field("city", "City", address?.city)}
            <label class="field"
              ><span>Postal code</span><input name="postalCode" maxlength="20" .value=${address?.postalCode ?? ""}
            /></label>
            ${field("region", "Region", address?.region)}
            <label class="field"
              ><span>Country (2 letters)</span
              ><input name="country" maxlength="2" placeholder="FR" .value=${address?.country ?? ""}
            /></label>
          </div>
        </fieldset>
        <div><button type="submit" class="button button--primary">Save billing profile</button></div>
      </form>
    </section>`;
}
