import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { AuditFilters, OrgEvent } from "../../../client-sdk/src/index.js";
import { actorText, describe, stamp } from "../format.js";
import { loadAudit } from "../lists.js";
import { api, attempt, formValues } from "../session.js";
import { notify, type OrgView, update } from "../store.js";
import { orgHeading } from "./shell.js";

const ACTIONS = [
  "member.*",
  "invitation.*",
  "project.*",
  "resource.*",
  "api_key.*",
  "org.*",
  "billing.*",
  "audit.*",
  "member.role_changed",
  "member.removed",
  "resource.created",
];

/** datetime-local → ISO, or undefined when empty. */
const instant = (value: string) => (value ? new Date(value).toISOString() : undefined);
/** ISO → datetime-local's format, in local time. */
const local = (iso: string | undefined) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** The audit log (owners): filters, live tail, export, chain verification. */
export function auditPage(view: OrgView): TemplateResult {
  const audit = view.audit;
  const name = (userId: string) =>
    view.members?.find((m) => m.userId === userId)?.email ?? `user ${userId.slice(0, 8)}`;
  const projectName = (id: string | null) =>
    id ? (view.projects?.find((p) => p.id === id)?.name ?? "deleted project") : "";

  const toolbar = html`<div class="actions">
    <button type="button" class="button" @click=${() => exportLog(view, "csv")} ?disabled=${!!audit.busy} data-testid="export-csv">
      Export CSV
    </button>
    <button type="button" class="button" @click=${() => exportLog(view, "ndjson")} ?disabled=${!!audit.busy} data-testid="export-ndjson">
      Export NDJSON
    </button>
    <button type="button" class="button button--primary" @click=${() => verify(view)} ?disabled=${!!audit.busy} data-testid="verify">
      Verify chain
    </button>
  </div>`;

  const toggleTail = (event: Event) => {
    audit.tail = (event.currentTarget as HTMLInputElement).checked;
    // Back on: read the head again so nothing that happened while paused is missing.
    if (audit.tail) void loadAudit(view);
    update();
  };

  return html`${orgHeading("Audit log", toolbar)}
    <p class="verify" data-testid="verify-result" role="status">
      ${audit.busy ?? ""}
      ${audit.verify ? html`<span class=${audit.verify.ok ? "ok" : "bad"}>${audit.verify.text}</span>` : nothing}
    </p>
    <section class="card" aria-labelledby="filters-title">
      <h2 id="filters-title" class="visually-hidden">Filters</h2>
      ${filtersForm(view)}
    </section>
    <section class="card" aria-labelledby="entries-title">
      <div class="card__head">
        <h2 id="entries-title">Entries</h2>
        <label class="switch"
          ><input type="checkbox" .checked=${audit.tail} @change=${toggleTail} data-testid="tail-toggle" /> Live tail</label
        >
      </div>
      ${
        !audit.loaded
          ? html`<p class="empty">Loading…</p>`
          : audit.items.length === 0
            ? html`<p class="empty">No entries match.</p>`
            : html`<table class="table table--dense" data-testid="audit-table">
                <thead>
                  <tr>
                    <th scope="col">Seq</th>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Details</th>
                    <th scope="col">Project</th>
                    <th scope="col">IP</th>
                  </tr>
                </thead>
                <tbody>
                  ${repeat(
                    audit.items,
                    (e) => e.seq,
                    (e) => auditRow(e, audit.fresh.has(e.seq), name, projectName),
                  )}
                </tbody>
              </table>`
      }
      ${
        audit.cursor
          ? html`<button type="button" class="button" @click=${() => loadAudit(view, { more: true })}>Load older</button>`
          : nothing
      }
    </section>`;
}

function auditRow(
  e: OrgEvent,
  fresh: boolean,
  name: (userId: string) => string,
  projectName: (id: string | null) => string,
): TemplateResult {
  return html`<tr class=${fresh ? "fresh" : ""} data-testid="audit-row" data-type=${e.type} data-seq=${e.seq}>
    <td class="num">${e.seq}</td>
    <td class="nowrap"><time datetime=${e.occurredAt}>${stamp(e.occurredAt)}</time></td>
    <td>${actorText(e)}</td>
    <td><code>${e.type}</code></td>
    <td>${describe(e, name)}</td>
    <td>${projectName(e.projectId)}</td>
    <td class="muted">${e.context?.ip ?? ""}</td>
  </tr>`;
}

function filtersForm(view: OrgView): TemplateResult {
  const f = view.audit.filters;
  const apply = (event: Event) => {
    const { get } = formValues(event);
    const filters: AuditFilters = {
      actorId: get("actorId") || undefined,
      action: get("action") || undefined,
      projectId: get("projectId") || undefined,
      from: instant(get("from")),
      to: instant(get("to")),
    };
    view.audit.filters = filters;
    view.audit.fresh.clear();
    void loadAudit(view);
  };
  const reset = (event: Event) => {
    (event.currentTarget as HTMLButtonElement).form?.reset();
    view.audit.filters = {};
    void loadAudit(view);
  };
  return html`<form class="form filters" @submit=${apply} data-testid="audit-filters">
    <label class="field"
      ><span>Actor</span>
      <select name="actorId">
        <option value="">Anyone</option>
        ${(view.members ?? []).map((m) => html`<option value=${m.userId} .selected=${f.actorId === m.userId}>${m.email}</option>`)}
      </select>
    </label>
    <label class="field"
      ><span>Action</span><input name="action" list="audit-actions" placeholder="member.*" .value=${f.action ?? ""} />
      <datalist id="audit-actions">${ACTIONS.map((a) => html`<option value=${a}></option>`)}</datalist>
    </label>
    <label class="field"
      ><span>Project</span>
      <select name="projectId">
        <option value="">Any</option>
        ${(view.projects ?? []).map((p) => html`<option value=${p.id} .selected=${f.projectId === p.id}>${p.name}</option>`)}
      </select>
    </label>
    <label class="field"><span>From</span><input name="from" type="datetime-local" .value=${local(f.from)} /></label>
    <label class="field"><span>To</span><input name="to" type="datetime-local" .value=${local(f.to)} /></label>
    <div class="filters__buttons">
      <button type="submit" class="button button--primary">Apply</button>
      <button type="button" class="button" @click=${reset}>Reset</button>
    </div>
  </form>`;
}

async function exportLog(view: OrgView, format: "csv" | "ndjson") {
  const audit = view.audit;
  audit.busy = `Exporting ${format.toUpperCase()}…`;
  update();
  const chunks: string[] = [];
  const done = await attempt(async () => {
    for await (const chunk of api().audit.export(view.id, { ...audit.filters, format })) chunks.push(chunk);
    return true;
  });
  audit.busy = undefined;
  update();
  if (!done) return;
  const text = chunks.join("");
  const lines = text.split("\n").filter(Boolean).length - (format === "csv" ? 1 : 0);
  const blob = new Blob([text], { type: format === "csv" ? "text/csv" : "application/x-ndjson" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${view.name.replace(/[^\w.-]+/g, "-")}-audit-${new Date().toISOString().slice(0, 10)}.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  notify("info", `Exported ${Math.max(lines, 0)} entries as ${format.toUpperCase()}.`);
}

async function verify(view: OrgView) {
  const audit = view.audit;
  audit.busy = "Verifying…";
  audit.verify = undefined;
  update();
  const report = await attempt(() => api().audit.verify(view.id));
  audit.busy = undefined;
  if (report)
    audit.verify = report.ok
      ? { ok: true, text: `Hash chain intact: ${report.checked} entries checked.` }
      : { ok: false, text: `Hash chain broken at seq ${report.brokenAtSeq} (${report.checked} checked).` };
  update();
}
