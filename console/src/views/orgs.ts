import { html, type TemplateResult } from "lit-html";
import { navigate } from "../router.js";
import { api, attempt, formValues } from "../session.js";
import { state, update } from "../store.js";
import { roleBadge } from "./shell.js";

/** The organizations the user belongs to, and a form to create one. */
export function orgsPage(): TemplateResult {
  const create = async (event: Event) => {
    const { form, get } = formValues(event);
    const org = await attempt(() => api().orgs.create({ name: get("name") }));
    if (!org) return;
    form.reset();
    state.orgs = [...state.orgs.filter((o) => o.id !== org.id), { id: org.id, name: org.name, role: org.role }];
    update();
    navigate(`/orgs/${org.id}/projects`);
  };

  return html`<header class="page-head"><div><h1 tabindex="-1">Organizations</h1>
      <p class="page-head__sub">Group resources, people and projects. Each organization has its own members and billing.</p></div></header>
    <section class="card" aria-labelledby="orgs-title">
      <h2 id="orgs-title">Your organizations</h2>
      ${
        state.orgs.length === 0
          ? html`<p class="empty">You don't belong to any organization yet. Create one below, or open an invitation link.</p>`
          : html`<table class="table" data-testid="orgs-table">
              <thead><tr><th scope="col">Name</th><th scope="col">Your role</th></tr></thead>
              <tbody>
                ${state.orgs.map(
                  (o) =>
                    html`<tr><td><a href=${`/orgs/${o.id}/projects`}>${o.name}</a></td><td>${roleBadge(o.role)}</td></tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>
    <section class="card" aria-labelledby="new-org-title">
      <h2 id="new-org-title">Create an organization</h2>
      <p class="muted">You become its owner. The name is visible to every member.</p>
      <form class="form form--inline" @submit=${create} data-testid="create-org">
        <label class="field"><span>Name</span><input name="name" required maxlength="200" placeholder="Acme" /></label>
        <button type="submit" class="button button--primary">Create organization</button>
      </form>
    </section>`;
}
