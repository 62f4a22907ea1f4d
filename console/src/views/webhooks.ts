import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Webhook } from "../../../client-sdk/src/index.js";
import { day, when } from "../format.js";
import { refreshDeliveries } from "../lists.js";
import { api, attempt, formValues } from "../session.js";
import { notify, type OrgView, update } from "../store.js";
import { orgHeading } from "./shell.js";
import { deliveryLog } from "./webhook-deliveries.js";

/** Event families offered as checkboxes (kept here so the page does not bundle the contract's schemas). */
const FAMILIES = ["member", "invitation", "project", "resource", "api_key", "org", "settings", "billing", "webhook"];

/** `a, b c` → `["a", "b", "c"]`: filters typed by hand, separated by commas or spaces. */
const splitFilters = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((f) => f.trim())
    .filter(Boolean);

/** Webhooks (owners): create (the secret is shown once), list, turn on/off, filters, delivery log, replay. */
export function webhooksPage(view: OrgView): TemplateResult {
  const hooks = view.webhooks;
  return html`${orgHeading("Webhooks")} ${view.newWebhook ? secretBox(view) : nothing} ${createForm(view)}
    <section class="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Endpoints <span class="count">${hooks?.length ?? ""}</span></h2>
      ${
        !hooks?.length
          ? html`<p class="empty">${hooks ? "No webhooks yet." : "Loading…"}</p>`
          : html`<table class="table" data-testid="webhooks-table">
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">State</th>
                  <th scope="col">Delivered up to</th>
                  <th scope="col">Created</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${repeat(
                  hooks,
                  (w) => w.id,
                  (w) => row(view, w),
                )}
              </tbody>
            </table>`
      }
    </section>
    ${view.openWebhook ? deliveryLog(view, view.openWebhook) : nothing}`;
}

function row(view: OrgView, w: Webhook): TemplateResult {
  const toggle = async () => {
    const enabled = !w.enabled;
    const updated = await attempt(
      () => api().webhooks.update(view.id, w.id, { enabled }),
      enabled ? "The webhook is on." : "The webhook is off: nothing is sent until it is turned on.",
    );
    if (updated) replace(view, updated);
  };
  const showLog = () => {
    view.openWebhook = view.openWebhook === w.id ? undefined : w.id;
    if (view.openWebhook) void refreshDeliveries(view, w.id);
    update();
  };
  const edit = () => {
    view.editingWebhook = view.editingWebhook === w.id ? undefined : w.id;
    update();
  };
  return html`<tr data-testid="webhook-row" data-webhook-id=${w.id}>
    <th scope="row">
      <code data-testid="webhook-url">${w.url}</code>
      ${w.description ? html`<div class="muted">${w.description}</div>` : nothing}
    </th>
    <td>
      ${
        view.editingWebhook === w.id
          ? eventsForm(view, w)
          : html`<span data-testid="webhook-events">${w.events.map((e) => html`<span class="tag">${e}</span> `)}</span>`
      }
    </td>
    <td data-testid="webhook-state">${stateText(w)}</td>
    <td class="num">${w.deliveredSeq}</td>
    <td>${day(w.createdAt)}</td>
    <td class="cell-actions">
      <label class="switch"
        ><input type="checkbox" .checked=${w.enabled} @change=${toggle} data-testid="webhook-toggle" /> Enabled</label
      >
      <button type="button" class="button button--small" @click=${edit} data-testid="webhook-edit-events">
        Edit events<span class="visually-hidden"> of ${w.url}</span>
      </button>
      <button type="button" class="button button--small" @click=${showLog} data-testid="webhook-show-deliveries"
        aria-expanded=${view.openWebhook === w.id ? "true" : "false"}>
        Deliveries<span class="visually-hidden"> of ${w.url}</span>
      </button>
      <button type="button" class="button button--small button--danger" @click=${() => remove(view, w)}>
        Delete<span class="visually-hidden"> ${w.url}</span>
      </button>
    </td>
  </tr>`;
}

/** On, off (by whom), or on but failing (Orgwire keeps retrying, then turns it off after about 24 h). */
function stateText(w: Webhook): string {
  if (!w.enabled) return w.disabledReason === "failing" ? "off: kept failing" : "off";
  return w.failingSince ? `failing since ${when(w.failingSince)}` : "on";
}

/** Puts an endpoint the API answered with in the list (the `webhook.*` event re-reads it too). */
function replace(view: OrgView, updated: Webhook): void {
  view.webhooks = view.webhooks?.map((w) => (w.id === updated.id ? updated : w));
  update();
}

function eventsForm(view: OrgView, w: Webhook): TemplateResult {
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    const updated = await attempt(
      () => api().webhooks.update(view.id, w.id, { events: splitFilters(get("events")) }),
      "The event filters were saved.",
    );
    if (!updated) return;
    view.editingWebhook = undefined;
    replace(view, updated);
  };
  return html`<form class="form form--inline" @submit=${submit} data-testid="webhook-events-form">
    <label class="field field--grow"
      ><span>Event filters</span><input name="events" required .value=${w.events.join(", ")} /></label>
    <button type="submit" class="button button--small button--primary">Save</button>
  </form>`;
}

function secretBox(view: OrgView): TemplateResult {
  const created = view.newWebhook;
  if (!created) return html``;
  const copy = async () => {
    await attempt(() => navigator.clipboard.writeText(created.secret), "Copied.");
  };
  const close = () => {
    view.newWebhook = undefined;
    update();
  };
  return html`<section class="card card--secret" aria-labelledby="webhook-secret-title" data-testid="new-webhook">
    <h2 id="webhook-secret-title">Webhook created</h2>
    <p>
      Copy the signing secret now: it is not shown again. Your receiver checks each request with it
      (<code>verifyWebhook</code> in <code>@orgwire/client</code>, or any Standard Webhooks library).
    </p>
    <div class="form form--inline">
      <label class="field field--grow"
        ><span>Signing secret</span><input readonly .value=${created.secret} data-testid="new-webhook-secret"
          @focus=${(e: Event) => (e.currentTarget as HTMLInputElement).select()}
      /></label>
      <button type="button" class="button" @click=${copy}>Copy</button>
      <button type="button" class="button button--quiet" @click=${close}>Done</button>
    </div>
  </section>`;
}

function createForm(view: OrgView): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const families = FAMILIES.filter((f) => (form.elements.namedItem(`family-${f}`) as HTMLInputElement).checked);
    const events = [...families.map((f) => `${f}.*`), ...splitFilters(get("events"))];
    if (events.length === 0) {
      notify("error", "Choose at least one event family, or type filters such as * or resource.created.");
      return;
    }
    const created = await attempt(() =>
      api().webhooks.create(view.id, {
        url: get("url"),
        events,
        description: get("description") || undefined,
      }),
    );
    if (!created) return;
    form.reset();
    view.newWebhook = created;
    view.webhooks = [...(view.webhooks ?? []).filter((w) => w.id !== created.webhook.id), created.webhook];
    update();
  };
  return html`<section class="card" aria-labelledby="new-webhook-title">
    <h2 id="new-webhook-title">New webhook</h2>
    <p class="muted">Orgwire POSTs each matching event, signed, in order, and retries failures for about 24 hours.</p>
    <form class="form" @submit=${submit} data-testid="create-webhook">
      <div class="form__row">
        <label class="field field--grow"
          ><span>Endpoint URL</span><input name="url" type="url" required maxlength="2048"
            placeholder="https://hooks.example.com/orgwire"
        /></label>
        <label class="field field--grow"><span>Description (optional)</span><input name="description" maxlength="500" /></label>
      </div>
      <fieldset class="fieldset">
        <legend>Event families</legend>
        ${FAMILIES.map((f) => html`<label class="check"><input type="checkbox" name=${`family-${f}`} /> ${f}.*</label> `)}
      </fieldset>
      <label class="field"
        ><span>Other filters (comma separated: * for all, or types such as resource.created)</span
        ><input name="events" placeholder="resource.created, member.joined"
      /></label>
      <div><button type="submit" class="button button--primary">Create webhook</button></div>
    </form>
  </section>`;
}

async function remove(view: OrgView, w: Webhook) {
  if (!confirm(`Delete the webhook ${w.url}? Nothing more is sent to it.`)) return;
  const done = await attempt(async () => {
    await api().webhooks.remove(view.id, w.id);
    return true;
  });
  if (!done) return;
  view.webhooks = view.webhooks?.filter((x) => x.id !== w.id);
  delete view.deliveries[w.id];
  if (view.openWebhook === w.id) view.openWebhook = undefined;
  notify("info", `The webhook ${w.url} was deleted.`);
}
