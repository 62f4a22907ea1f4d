import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Session } from "../../../client-sdk/src/index.js";
import { when } from "../format.js";
import { api, attempt, formValues } from "../session.js";
import { type AccountView, notify } from "../store.js";

/** A user agent in a few words: the browser and the system, when they can be told. */
function device(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /(Chrome|Chromium)\//.test(userAgent)
      ? "Chrome"
      : /Firefox\//.test(userAgent)
        ? "Firefox"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : undefined;
  const system = /Windows/.test(userAgent)
    ? "Windows"
    : /Android/.test(userAgent)
      ? "Android"
      : /iPhone|iPad/.test(userAgent)
        ? "iOS"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

/** The account's sessions, this one marked, each other one with "Revoke". */
export function sessionsCard(view: AccountView): TemplateResult {
  const sessions = view.sessions;
  return html`<section class="card" aria-labelledby="sessions-title">
    <h2 id="sessions-title">Sessions <span class="count">${sessions?.length ?? ""}</span></h2>
    <p class="muted">Where your account is signed in. Revoking a session signs that device out at once.</p>
    ${
      !sessions
        ? html`<p class="empty">Loading…</p>`
        : html`<table class="table" data-testid="sessions-table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${repeat(
                sessions,
                (s) => s.id,
                (
                  s,
                ) => html`<tr data-testid="session-row" data-session=${s.id} data-current=${s.current ? "true" : "false"}>
                  <th scope="row">
                    ${device(s.userAgent)}
                    ${s.current ? html`<span class="tag tag--current" data-testid="session-current">This session</span>` : nothing}
                  </th>
                  <td>${s.ip ?? "—"}</td>
                  <td>${when(s.createdAt)}</td>
                  <td>${when(s.lastSeenAt)}</td>
                  <td class="cell-actions">
                    ${
                      s.current
                        ? nothing
                        : html`<button
                            type="button"
                            class="button button--small button--danger"
                            @click=${() => revoke(view, s)}
                            data-testid="session-revoke"
                          >
                            Revoke<span class="visually-hidden"> the session of ${device(s.userAgent)}</span>
                          </button>`
                    }
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${view.sessionsTruncated ? html`<p class="hint">Only the first 500 sessions are shown.</p>` : nothing}`
    }
  </section>`;
}

async function revoke(view: AccountView, session: Session) {
  if (!confirm(`Revoke the session of ${device(session.userAgent)}? That device is signed out at once.`)) return;
  const done = await attempt(async () => {
    await api().auth.revokeSession(session.id);
    return true;
  });
  if (!done) return;
  view.sessions = view.sessions?.filter((s) => s.id !== session.id);
  notify("info", "The session was revoked.");
}

/** Change the password: the current one and a new one; every other session ends. */
export function passwordCard(view: AccountView): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const newPassword = get("newPassword");
    if (newPassword !== get("repeat")) {
      notify("error", "The new passwords do not match.");
      return;
    }
    const done = await attempt(async () => {
      await api().auth.changePassword({ currentPassword: get("currentPassword"), newPassword });
      return true;
    });
    if (!done) return;
    form.reset();
    view.sessions = view.sessions?.filter((s) => s.current);
    notify("info", "Your password was changed. Your other sessions were signed out.");
  };
  return html`<section class="card" aria-labelledby="password-title">
    <h2 id="password-title">Change password</h2>
    <p class="muted">Every other session is signed out; this one stays.</p>
    <form class="form form--narrow" @submit=${submit} data-testid="password-form">
      <label class="field"
        ><span>Current password</span
        ><input name="currentPassword" type="password" autocomplete="current-password" required
      /></label>
      <label class="field"
        ><span>New password</span
        ><input
          name="newPassword"
          type="password"
          autocomplete="new-password"
          required
          minlength="10"
          aria-describedby="new-password-hint"
      /></label>
      <label class="field"
        ><span>New password again</span
        ><input name="repeat" type="password" autocomplete="new-password" required minlength="10"
      /></label>
      <p class="hint" id="new-password-hint">At least 10 characters.</p>
      <div><button type="submit" class="button button--primary">Change password</button></div>
    </form>
  </section>`;
}
