import { html, nothing, type TemplateResult } from "lit-html";
import type { OrgSettings } from "../../../client-sdk/src/index.js";
import { closeOrg } from "../live.js";
import { can } from "../permissions.js";
import { navigate } from "../router.js";
import { api, attempt, formValues } from "../session.js";
import { notify, type OrgView, state, update } from "../store.js";
import { orgHeading } from "./shell.js";

const LANGUAGES = [
  ["en", "English"],
  ["fr", "Français"],
  ["de", "Deutsch"],
  ["es", "Español"],
  ["it", "Italiano"],
  ["nl", "Nederlands"],
  ["pt", "Português"],
] as const;
const DATE_FORMATS = [
  ["iso", "ISO (2026-12-31)"],
  ["eu", "European (31/12/2026)"],
  ["us", "US (12/31/2026)"],
] as const;
const NOTIFICATIONS = [
  ["memberChanges", "Member changes", "someone joins, leaves or changes role"],
  ["billing", "Billing", "the billing profile changes"],
  ["security", "Security", "authentication settings or members' MFA change"],
  ["weeklyDigest", "Weekly digest", "a summary of the week's activity"],
] as const;

/** Saves one part of the settings (the server replaces each top-level key it is given). */
async function save(view: OrgView, body: { name?: string; settings?: OrgSettings }, done: string): Promise<boolean> {
  const org = await attempt(() => api().orgs.update(view.id, body), done);
  if (!org) return false;
  if (state.org === view) {
    view.name = org.name;
    view.settings = org.settings ?? view.settings;
    for (const o of state.orgs) if (o.id === view.id) o.name = org.name;
  }
  update();
  return true;
}

/** An organization's settings (owners): name, preferences, notifications, sign-in rules, audit, deletion. */
export function orgSettingsPage(view: OrgView): TemplateResult {
  const settings = view.settings;
  return html`${orgHeading("Settings")}
    ${
      settings
        ? html`${nameCard(view)} ${authenticationCard(view, settings)} ${preferencesCard(view, settings)}
          ${notificationsCard(view, settings)} ${retentionCard(view, settings)} ${deleteCard(view)}`
        : html`<p class="empty" role="status">Loading…</p>`
    }`;
}

function nameCard(view: OrgView): TemplateResult {
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    await save(view, { name: get("name") }, "The organization was renamed.");
  };
  return html`<section class="card" aria-labelledby="name-title">
    <h2 id="name-title">Name</h2>
    <p class="muted">Every member sees it, live.</p>
    <form class="form form--inline" @submit=${submit} data-testid="org-name-form">
      <label class="field field--grow"
        ><span>Organization name</span><input name="name" required maxlength="200" .value=${view.name}
      /></label>
      <button type="submit" class="button button--primary">Rename</button>
    </form>
  </section>`;
}

function authenticationCard(view: OrgView, settings: OrgSettings): TemplateResult {
  const auth = settings.authentication ?? {};
  const mfaOn = state.mfaEnabled === true;
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const domains = get("domains")
      .split(/[\s,]+/)
      .map((d) => d.trim())
      .filter(Boolean);
    const box = form.elements.namedItem("requireMfa") as HTMLInputElement;
    const requireMfa = box.checked;
    const saved = await save(
      view,
      { settings: { authentication: { allowedEmailDomains: domains, requireMfa } } },
      "Authentication settings saved.",
    );
    // Refused (409 mfa_required_for_you): the box shows what is stored, not what was asked.
    if (!saved) box.checked = view.settings?.authentication?.requireMfa === true;
  };
  return html`<section class="card" aria-labelledby="auth-title" data-testid="auth-settings">
    <h2 id="auth-title">Authentication</h2>
    <form class="form" @submit=${submit} data-testid="auth-form">
      <label class="field"
        ><span>Allowed email domains</span
        ><input
          name="domains"
          aria-describedby="domains-hint"
          placeholder="example.com, example.org"
          .value=${(auth.allowedEmailDomains ?? []).join(", ")}
      /></label>
      <p class="hint" id="domains-hint">
        Only people with an email at these domains can join. Leave empty to allow any domain.
      </p>
      <label class="check"
        ><input type="checkbox" name="requireMfa" .checked=${auth.requireMfa === true} data-testid="require-mfa" />
        Require two-factor authentication (MFA) for every member</label
      >
      <p class="hint" id="mfa-hint">
        Members without MFA lose access at once, on every device, until they turn it on in their
        account. API keys are not affected.
        ${
          mfaOn
            ? nothing
            : html`<strong>You don't have MFA yet:</strong> <a href="/account">turn it on in your account</a>
                first.`
        }
      </p>
      <div><button type="submit" class="button button--primary">Save authentication</button></div>
    </form>
  </section>`;
}

function preferencesCard(view: OrgView, settings: OrgSettings): TemplateResult {
  const prefs = settings.preferences ?? {};
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    const preferences: NonNullable<OrgSettings["preferences"]> = {};
    if (get("timezone")) preferences.timezone = get("timezone");
    if (get("language")) preferences.language = get("language") as never;
    if (get("dateFormat")) preferences.dateFormat = get("dateFormat") as never;
    await save(view, { settings: { preferences } }, "Preferences saved.");
  };
  return html`<section class="card" aria-labelledby="prefs-title">
    <h2 id="prefs-title">Preferences</h2>
    <p class="muted">Defaults for every member of the organization.</p>
    <form class="form form--inline" @submit=${submit} data-testid="preferences-form">
      <label class="field"
        ><span>Time zone</span
        ><input name="timezone" maxlength="64" placeholder="Europe/Paris" .value=${prefs.timezone ?? ""}
      /></label>
      <label class="field"
        ><span>Language</span
        ><select name="language">
          <option value="" ?selected=${!prefs.language}>Not set</option>
          ${LANGUAGES.map(([v, label]) => html`<option value=${v} ?selected=${prefs.language === v}>${label}</option>`)}
        </select></label
      >
      <label class="field"
        ><span>Date format</span
        ><select name="dateFormat">
          <option value="" ?selected=${!prefs.dateFormat}>Not set</option>
          ${DATE_FORMATS.map(
            ([v, label]) => html`<option value=${v} ?selected=${prefs.dateFormat === v}>${label}</option>`,
          )}
        </select></label
      >
      <button type="submit" class="button button--primary">Save preferences</button>
    </form>
  </section>`;
}

function notificationsCard(view: OrgView, settings: OrgSettings): TemplateResult {
  const current = settings.notifications ?? {};
  const submit = async (event: Event) => {
    const { form } = formValues(event);
    const notifications: Record<string, boolean> = {};
    for (const [key] of NOTIFICATIONS) notifications[key] = (form.elements.namedItem(key) as HTMLInputElement).checked;
    await save(view, { settings: { notifications } }, "Notification preferences saved.");
  };
  return html`<section class="card" aria-labelledby="notif-title">
    <h2 id="notif-title">Notifications</h2>
    <p class="muted">Which mails the owners receive.</p>
    <form class="form" @submit=${submit} data-testid="notifications-form">
      <fieldset class="fieldset">
        <legend>Mail the owners when…</legend>
        ${NOTIFICATIONS.map(
          ([key, label, hint]) =>
            html`<label class="check"
              ><input type="checkbox" name=${key} .checked=${current[key] === true} />
              <span><strong>${label}</strong>: ${hint}</span></label
            ><br />`,
        )}
      </fieldset>
      <div><button type="submit" class="button button--primary">Save notifications</button></div>
    </form>
  </section>`;
}

function retentionCard(view: OrgView, settings: OrgSettings): TemplateResult {
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    await save(view, { settings: { auditRetentionDays: Number(get("days")) } }, "Audit retention saved.");
  };
  return html`<section class="card" aria-labelledby="retention-title">
    <h2 id="retention-title">Audit log retention</h2>
    <form class="form form--inline" @submit=${submit} data-testid="retention-form">
      <label class="field"
        ><span>Keep entries for (days)</span
        ><input
          name="days"
          type="number"
          min="1"
          max="3650"
          required
          aria-describedby="retention-hint"
          .value=${String(settings.auditRetentionDays ?? 365)}
      /></label>
      <button type="submit" class="button button--primary">Save retention</button>
    </form>
    <p class="hint" id="retention-hint">1 to 3650 days (default 365). Older entries are deleted.</p>
  </section>`;
}

function deleteCard(view: OrgView): TemplateResult {
  const typed = view.deleteConfirm ?? "";
  const matches = typed === view.name && view.name !== "";
  const input = (event: Event) => {
    view.deleteConfirm = (event.target as HTMLInputElement).value;
    update();
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!matches || !can(view.role, "org.delete")) return;
    const name = view.name;
    const done = await attempt(async () => {
      await api().orgs.delete(view.id);
      return true;
    });
    if (!done) return;
    // Our own stream's `org_deleted` would say "no access": the page goes home instead.
    closeOrg();
    state.lost = undefined;
    state.orgs = state.orgs.filter((o) => o.id !== view.id);
    navigate("/");
    notify("info", `${name} was deleted.`);
  };
  return html`<section class="card card--danger" aria-labelledby="delete-title" data-testid="delete-org">
    <h2 id="delete-title">Delete this organization</h2>
    <p class="muted">
      Its projects, resources, members, invitations, API keys and audit log are deleted for good.
      Every member loses access at once.
    </p>
    <form class="form form--inline" @submit=${submit}>
      <label class="field field--grow"
        ><span>Type <strong>${view.name}</strong> to confirm</span
        ><input
          name="confirm"
          autocomplete="off"
          .value=${typed}
          @input=${input}
          data-testid="delete-confirm"
      /></label>
      <button type="submit" class="button button--danger" ?disabled=${!matches} data-testid="delete-org-button">
        Delete organization
      </button>
    </form>
  </section>`;
}
