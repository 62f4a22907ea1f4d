import { html, type TemplateResult } from "lit-html";
import { api, attempt, formValues } from "../session.js";
import { clearError, type MfaStep, state, update } from "../store.js";

/**
 * The second step of a sign-in for an account with MFA on: a code from the authenticator app, or
 * one of the recovery codes. `done` runs once the session exists.
 */
export function mfaStepForm(step: MfaStep, done: () => void): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const button = form.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    const value = get("proof");
    const result = await attempt(() =>
      api().auth.loginMfa(
        step.recovery ? { challenge: step.challenge, recoveryCode: value } : { challenge: step.challenge, code: value },
      ),
    );
    button.disabled = false;
    if (!result) return;
    state.mfaStep = undefined;
    done();
  };
  const toggle = () => {
    step.recovery = !step.recovery;
    update();
  };
  const back = () => {
    state.mfaStep = undefined;
    clearError();
    update();
  };
  return html`<form class="form" @submit=${submit} data-testid="mfa-form">
      <p>
        ${
          step.recovery
            ? "Enter one of the recovery codes you saved when you turned on two-factor authentication."
            : "Enter the 6-digit code from your authenticator app."
        }
      </p>
      <label class="field"
        ><span>${step.recovery ? "Recovery code" : "Code"}</span
        ><input
          name="proof"
          required
          autocomplete="one-time-code"
          inputmode=${step.recovery ? "text" : "numeric"}
          maxlength=${step.recovery ? 19 : 6}
          data-testid="mfa-code"
      /></label>
      <button type="submit" class="button button--primary">Verify</button>
    </form>
    <p class="muted">
      <button type="button" class="button button--quiet" @click=${toggle} data-testid="mfa-toggle">
        ${step.recovery ? "Use a code from the app" : "Use a recovery code"}
      </button>
      <button type="button" class="button button--quiet" @click=${back}>Start over</button>
    </p>`;
}
