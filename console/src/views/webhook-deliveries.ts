import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { stamp, when } from "../format.js";
import { api, attempt, formValues } from "../session.js";
import { type OrgView, update } from "../store.js";

/**
 * One endpoint's delivery log, newest first: read when opened, then kept live from the org
 * stream's `delivery` messages (every node sends them, so attempts made anywhere show up).
 */
export function deliveryLog(view: OrgView, webhookId: string): TemplateResult | typeof nothing {
  const hook = view.webhooks?.find((w) => w.id === webhookId);
  if (!hook) return nothing;
  const items = view.deliveries[webhookId];
  return html`<section class="card" aria-labelledby="deliveries-title" data-testid="webhook-deliveries">
    <div class="card__head">
      <h2 id="deliveries-title">Deliveries to <code>${hook.url}</code></h2>
      <button type="button" class="button button--quiet" @click=${() => close(view)}>Close</button>
    </div>
    ${replayForm(view, webhookId)}
    ${
      !items
        ? html`<p class="empty">Loading…</p>`
        : items.length === 0
          ? html`<p class="empty" data-testid="deliveries-empty">No deliveries yet.</p>`
          : html`<table class="table table--dense" data-testid="deliveries-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Seq</th>
                  <th scope="col">Event</th>
                  <th scope="col">Try</th>
                  <th scope="col">Result</th>
                  <th scope="col">Took</th>
                  <th scope="col">Next try</th>
                </tr>
              </thead>
              <tbody>
                ${repeat(
                  items,
                  (d) => d.id,
                  (d) => html`<tr data-testid="delivery-row" data-seq=${d.seq}>
                    <td class="nowrap">${stamp(d.attemptedAt)}</td>
                    <td class="num" data-testid="delivery-seq">${d.seq}</td>
                    <td data-testid="delivery-type">${d.eventType}</td>
                    <td class="num">${d.attempt}</td>
                    <td data-testid="delivery-status">
                      ${d.status}${d.responseCode === null ? nothing : ` (${d.responseCode})`}
                      ${d.error ? html`<div class="muted">${d.error}</div>` : nothing}
                    </td>
                    <td class="num">${d.durationMs} ms</td>
                    <td>${d.nextRetryAt ? when(d.nextRetryAt) : "—"}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
    }
  </section>`;
}

function close(view: OrgView): void {
  view.openWebhook = undefined;
  update();
}

/** Sends every matching event from a seq on again, in order (after an outage of the receiver, say). */
function replayForm(view: OrgView, webhookId: string): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const since = Number(get("since"));
    const updated = await attempt(
      () => api().webhooks.replay(view.id, webhookId, { since }),
      `Replaying every matching event from seq ${since}.`,
    );
    if (!updated) return;
    form.reset();
    view.webhooks = view.webhooks?.map((w) => (w.id === updated.id ? updated : w));
    update();
  };
  return html`<form class="form form--inline" @submit=${submit} data-testid="replay-form">
    <label class="field"
      ><span>Replay from seq</span><input name="since" type="number" min="1" step="1" required
        placeholder="1"
    /></label>
    <button type="submit" class="button">Replay</button>
  </form>`;
}
