import "../account.css";
import { html, nothing, type TemplateResult } from "lit-html";
import { api, attempt, formValues, loadMe } from "../session.js";
import { type AccountView, notify, state, update } from "../store.js";
import { passwordCard, sessionsCard } from "./account-sessions.js";
import { qrCode } from "./qr.js";

/** The account page's state, made on first use. */
export function accountView(): AccountView {
  state.account ??= {};
  return state.account;
}

/** Loads what the account page shows: whether MFA is on, and the sessions. */
export async function loadAccount(): Promise<void> {
  const view = accountView();
  await attempt(async () => {
    const [, sessions] = await Promise.all([loadMe(), api().auth.listSessions({ limit: 500 })]);
    view.sessions = sessions.items;
    view.sessionsTruncated = sessions.nextCursor !== null;
    update();
  });
}

/** Your account: MFA (enrol with a QR code, recovery codes, turn off), sessions, password. */
export function accountPage(): TemplateResult {
  const view = accountView();
  return html`<header class="page-head">
      <div>
        <h1 tabindex="-1">Your account</h1>
        <p class="page-head__sub">${state.user?.name} · ${state.user?.email}</p>
      </div>
    </header>
    ${view.recoveryCodes ? recoveryCard(view) : nothing} ${mfaCard(view)} ${sessionsCard(view)} ${passwordCard(view)}`;
}

function mfaCard(view: AccountView): TemplateResult {
  const on = state.mfaEnabled === true;
  return html`<section class="card" aria-labelledby="mfa-title" data-testid="mfa">
    <h2 id="mfa-title">Two-factor authentication</h2>
    <p data-testid="mfa-status">
      ${
        on
          ? html`<strong>On.</strong> Signing in asks for a code from your authenticator app.`
          : html`<strong>Off.</strong> Signing in asks for your password only.`
      }
    </p>
    ${on ? disableForm(view) : view.enrolment ? enrolForm(view) : startButton(view)}
  </section>`;
}

function startButton(view: AccountView): TemplateResult {
  const start = async () => {
    const enrolment = await attempt(() => api().auth.startTotp());
    if (!enrolment) return;
    view.enrolment = enrolment;
    update();
  };
  return html`<button type="button" class="button button--primary" @click=${start} data-testid="mfa-start">
    Set up an authenticator app
  </button>`;
}

function enrolForm(view: AccountView): TemplateResult {
  const enrolment = view.enrolment;
  if (!enrolment) return html``;
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const result = await attempt(() => api().auth.confirmTotp({ code: get("code") }));
    if (!result) return;
    form.reset();
    view.enrolment = undefined;
    view.recoveryCodes = result.recoveryCodes;
    state.mfaEnabled = true;
    notify("info", "Two-factor authentication is on.");
  };
  const cancel = () => {
    view.enrolment = undefined;
    update();
  };
  return html`<div class="mfa-enrol" data-testid="mfa-enrol">
    <ol class="steps">
      <li>
        <p>Scan this code with an authenticator app (any app for TOTP codes).</p>
        ${qrCode(enrolment.otpauthUrl, "QR code of the authenticator secret")}
      </li>
      <li>
        <p>Or type this key into the app (time-based, 6 digits, every 30 seconds):</p>
        <p><code class="secret" data-testid="mfa-secret">${enrolment.secret}</code></p>
      </li>
      <li>
        <form class="form form--inline" @submit=${submit} data-testid="mfa-confirm">
          <label class="field"
            ><span>Code from the app</span
            ><input name="code" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9]{6}" maxlength="6"
          /></label>
          <button type="submit" class="button button--primary">Turn on</button>
          <button type="button" class="button button--quiet" @click=${cancel}>Cancel</button>
        </form>
      </li>
    </ol>
  </div>`;
}

function recoveryCard(view: AccountView): TemplateResult {
  const codes = view.recoveryCodes ?? [];
  const copy = async () => {
    await attempt(() => navigator.clipboard.writeText(codes.join("\n")), "Copied.");
  };
  const done = () => {
    view.recoveryCodes = undefined;
    update();
  };
  return html`<section class="card card--secret" aria-labelledby="recovery-title" data-testid="recovery-codes">
    <h2 id="recovery-title">Your recovery codes</h2>
    <p>
      Keep these somewhere safe: each one signs you in once without the app. They are not shown
      again.
    </p>
    <ul class="codes">
      ${codes.map((code) => html`<li><code data-testid="recovery-code">${code}</code></li>`)}
    </ul>
    <div class="actions">
      <button type="button" class="button" @click=${copy}>Copy</button>
      <button type="button" class="button button--quiet" @click=${done} data-testid="recovery-done">
        I have saved them
      </button>
    </div>
  </section>`;
}

function disableForm(view: AccountView): TemplateResult {
  const recovery = view.disableWithRecovery === true;
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const value = get("proof");
    const done = await attempt(async () => {
      await api().auth.disableTotp(recovery ? { recoveryCode: value } : { code: value });
      return true;
    });
    if (!done) return;
    form.reset();
    view.disableWithRecovery = false;
    view.recoveryCodes = undefined;
    state.mfaEnabled = false;
    notify("info", "Two-factor authentication is off.");
  };
  const toggle = () => {
    view.disableWithRecovery = !recovery;
    update();
  };
  return html`<form class="form form--inline" @submit=${submit} data-testid="mfa-disable">
    <label class="field"
      ><span>${recovery ? "Recovery code" : "Code from the app"}</span
      ><input
        name="proof"
        autocomplete="one-time-code"
        required
        inputmode=${recovery ? "text" : "numeric"}
        pattern=${recovery ? nothing : "[0-9]{6}"}
        maxlength=${recovery ? 19 : 6}
    /></label>
    <button type="submit" class="button button--danger">Turn off</button>
    <button type="button" class="button button--quiet" @click=${toggle} data-testid="mfa-disable-toggle">
      ${recovery ? "Use a code from the app" : "Use a recovery code"}
    </button>
  </form>`;
}
