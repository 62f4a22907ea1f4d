import { html, nothing, type TemplateResult } from "lit-html";
import { href } from "../router.js";
import { api, attempt, formValues } from "../session.js";
import { state, update } from "../store.js";
import { mfaStepForm } from "./mfa-step.js";
import { notices } from "./shell.js";

/** Sign-in and sign-up; `done` runs once the session exists. */
export function authPage(done: (next?: string) => void, dismissLost: () => void): TemplateResult {
  const route = state.route;
  if (route.page !== "signin" && route.page !== "signup") return html``;
  const signup = route.page === "signup";

  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const button = form.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    const result = await attempt(() =>
      signup
        ? api().auth.signup({ name: get("name"), email: get("email"), password: get("password") })
        : api().auth.login({ email: get("email"), password: get("password") }),
    );
    button.disabled = false;
    if (!result) return;
    if ("mfaRequired" in result) {
      // The password was right; the session comes with the second factor.
      state.mfaStep = { challenge: result.challenge, expiresAt: result.expiresAt, recovery: false };
      update();
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[data-testid=mfa-code]")?.focus());
      return;
    }
    done(route.next);
  };

  const other = signup
    ? html`Already have an account? <a href=${href({ page: "signin", next: route.next })}>Sign in</a>`
    : html`New here? <a href=${href({ page: "signup", next: route.next })}>Create an account</a>`;

  return html`<div class="centered">
    <main id="main" class="card card--auth" tabindex="-1">
      <p class="brand brand--big"><img src="/favicon.svg" alt="" width="32" height="32" /> Orgwire</p>
      <h1 tabindex="-1">${signup ? "Create your account" : state.mfaStep ? "Two-factor authentication" : "Sign in"}</h1>
      ${notices(dismissLost)}
      ${!signup && state.mfaStep ? mfaStepForm(state.mfaStep, () => done(route.next)) : credentials()}
    </main>
  </div>`;

  function credentials(): TemplateResult {
    return html`<form class="form" @submit=${submit} data-testid=${signup ? "signup-form" : "signin-form"}>
        ${
          signup
            ? html`<label class="field"
                ><span>Name</span><input name="name" autocomplete="name" required maxlength="200"
              /></label>`
            : nothing
        }
        <label class="field"
          ><span>Email</span
          ><input
            name="email"
            type="email"
            autocomplete=${signup ? "email" : "username"}
            required
            .value=${signup ? (route.email ?? "") : ""}
        /></label>
        <label class="field"
          ><span>Password</span
          ><input
            name="password"
            type="password"
            autocomplete=${signup ? "new-password" : "current-password"}
            required
            minlength=${signup ? 10 : 1}
            aria-describedby=${signup ? "password-hint" : nothing}
        /></label>
        ${signup ? html`<p class="hint" id="password-hint">At least 10 characters.</p>` : nothing}
        <button type="submit" class="button button--primary">${signup ? "Create account" : "Sign in"}</button>
      </form>
      <p class="muted">${other}</p>`;
  }
}
