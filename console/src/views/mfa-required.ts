import { html, type TemplateResult } from "lit-html";
import { openOrg } from "../live.js";
import { href } from "../router.js";
import { state, update } from "../store.js";

/**
 * The organization requires MFA and the user has none (its routes answer `mfa_required`, or its
 * stream was refused or revoked with that reason): what happened and the way back in.
 */
export function mfaRequiredPage(blocked: { orgId: string; name: string }): TemplateResult {
  const name = blocked.name || state.orgs.find((o) => o.id === blocked.orgId)?.name || "This organization";
  return html`<header class="page-head">
      <div><h1 tabindex="-1">${name} requires MFA</h1></div>
    </header>
    <section class="card" role="alert" data-testid="mfa-required">
      <p>
        <strong>${name}</strong> requires every member to use two-factor authentication (MFA).
        Your account doesn't have it on, so the organization's data is not shown.
      </p>
      <p>Turn it on with an authenticator app in your account, then open the organization again.</p>
      <p class="actions">
        <a class="button button--primary" href=${href({ page: "account" })} data-testid="mfa-required-enrol"
          >Set up MFA in your account</a
        >
        <button type="button" class="button" @click=${() => retry(blocked.orgId)} data-testid="mfa-required-retry">
          Try again
        </button>
      </p>
    </section>`;
}

/** Opens the organization again (the user may have turned MFA on in another tab). */
function retry(orgId: string): void {
  openOrg(orgId);
  update();
}
