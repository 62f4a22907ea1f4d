import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { ApiKey, ApiKeyRole } from "../../../client-sdk/src/index.js";
import { day } from "../format.js";
import { api, attempt, formValues } from "../session.js";
import { notify, type OrgView, update } from "../store.js";
import { orgHeading, roleBadge } from "./shell.js";

/** API keys (owners): create (the secret is shown once), list, revoke. */
export function apiKeysPage(view: OrgView): TemplateResult {
  const keys = view.apiKeys;
  return html`${orgHeading("API keys")} ${view.newKey ? secretBox(view) : nothing} ${createForm(view)}
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">Keys <span class="count">${keys?.length ?? ""}</span></h2>
      ${
        !keys?.length
          ? html`<p class="empty">${keys ? "No API keys." : "Loading…"}</p>`
          : html`<table class="table" data-testid="keys-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Role</th>
                  <th scope="col">Audit</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${repeat(
                  keys,
                  (k) => k.id,
                  (k) => html`<tr data-testid="key-row">
                    <th scope="row">${k.name}</th>
                    <td><code>${k.prefix}…</code></td>
                    <td>${roleBadge(k.role)}</td>
                    <td>${k.audit ? "yes" : "no"}</td>
                    <td>${day(k.createdAt)}</td>
                    <td>${day(k.expiresAt)}</td>
                    <td class="cell-actions">
                      <button type="button" class="button button--small button--danger" @click=${() => revoke(view, k)}>
                        Revoke<span class="visually-hidden"> ${k.name}</span>
                      </button>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
}

function secretBox(view: OrgView): TemplateResult {
  const created = view.newKey;
  if (!created) return html``;
  const copy = async () => {
    await attempt(() => navigator.clipboard.writeText(created.secret), "Copied.");
  };
  const close = () => {
    view.newKey = undefined;
    update();
  };
  return html`<section class="card card--secret" aria-labelledby="secret-title" data-testid="new-key">
    <h2 id="secret-title">Key ${created.apiKey.name} created</h2>
    <p>Copy the secret now: it is not shown again.</p>
    <div class="form form--inline">
      <label class="field field--grow"
        ><span>Secret</span><input readonly .value=${created.secret} data-testid="new-key-secret" @focus=${(e: Event) => (e.currentTarget as HTMLInputElement).select()}
      /></label>
      <button type="button" class="button" @click=${copy}>Copy</button>
      <button type="button" class="button button--quiet" @click=${close}>Done</button>
    </div>
  </section>`;
}

function createForm(view: OrgView): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const expires = get("expiresAt");
    const created = await attempt(() =>
      api().apiKeys.create(view.id, {
        name: get("name"),
        role: get("role") as ApiKeyRole,
        audit: (form.elements.namedItem("audit") as HTMLInputElement).checked,
        // The end of the chosen day, in the viewer's time zone.
        expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : undefined,
      }),
    );
    if (!created) return;
    form.reset();
    view.newKey = created;
    update();
  };
  return html`<section class="card" aria-labelledby="new-key-title">
    <h2 id="new-key-title">New API key</h2>
    <p class="muted">A key acts with the lesser of its role and yours, and is revoked if you leave.</p>
    <form class="form form--inline" @submit=${submit} data-testid="create-key">
      <label class="field field--grow"><span>Name</span><input name="name" required maxlength="200" placeholder="deploy-bot" /></label>
      <label class="field"
        ><span>Role</span>
        <select name="role">
          <option value="viewer">viewer</option>
          <option value="editor">editor</option>
          <option value="owner">owner</option>
        </select>
      </label>
      <label class="field"><span>Expires (optional)</span><input name="expiresAt" type="date" /></label>
      <label class="check"><input type="checkbox" name="audit" /> Audit access</label>
      <button type="submit" class="button button--primary">Create key</button>
    </form>
  </section>`;
}

async function revoke(view: OrgView, key: ApiKey) {
  if (!confirm(`Revoke ${key.name}? Requests with it fail at once.`)) return;
  const done = await attempt(async () => {
    await api().apiKeys.revoke(view.id, key.id);
    return true;
  });
  if (done) notify("info", `${key.name} was revoked.`);
}
