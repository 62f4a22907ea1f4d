import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Project, ProjectRole, Resource, ResourceType } from "../../../client-sdk/src/index.js";
import { day } from "../format.js";
import { can, canWriteResources, RESOURCE_TYPES } from "../permissions.js";
import { api, attempt, formValues } from "../session.js";
import { type OrgView, state, update } from "../store.js";
import { orgHeading, roleBadge } from "./shell.js";

const TYPE_LABELS: Record<ResourceType, string> = { vps: "VPS", domain: "Domain", hosting: "Hosting" };

/** Projects, each with its resources and project members. */
export function projectsPage(view: OrgView): TemplateResult {
  const projects = view.projects;
  return html`${orgHeading("Projects")} ${can(view.role, "projects.write") ? newProjectForm(view) : nothing}
    ${
      !projects
        ? html`<section class="card"><p class="empty">Loading…</p></section>`
        : projects.length === 0
          ? html`<section class="card" data-testid="no-projects">
              <p class="empty">
                ${can(view.role, "org.read_all") ? "No projects yet." : "You are not on any project of this organization."}
              </p>
            </section>`
          : repeat(
              projects,
              (p) => p.id,
              (p) => projectCard(view, p),
            )
    }`;
}

function newProjectForm(view: OrgView): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const project = await attempt(() => api().projects.create(view.id, { name: get("name") }));
    if (!project) return;
    form.reset();
    // The stream brings it too; showing it now does not wait for the round trip.
    if (view.projects && !view.projects.some((p) => p.id === project.id)) view.projects = [...view.projects, project];
    view.resources[project.id] ??= [];
    update();
  };
  return html`<section class="card" aria-labelledby="new-project-title">
    <h2 id="new-project-title">New project</h2>
    <form class="form form--inline" @submit=${submit} data-testid="new-project">
      <label class="field"><span>Project name</span><input name="name" required maxlength="200" placeholder="Production" /></label>
      <button type="submit" class="button button--primary">Create project</button>
    </form>
  </section>`;
}

function projectCard(view: OrgView, project: Project): TemplateResult {
  const titleId = `project-${project.id}`;
  const writable = can(view.role, "projects.write");
  const resources = view.resources[project.id];
  return html`<section class="card project" aria-labelledby=${titleId} data-testid="project" data-name=${project.name}>
    <header class="project__head">
      <h2 id=${titleId}>${project.name}</h2>
      ${
        writable && view.renaming !== project.id
          ? html`<div class="actions">
              <button type="button" class="button button--small" @click=${() => startRename(view, project.id)}>
                Rename<span class="visually-hidden"> ${project.name}</span>
              </button>
              <button type="button" class="button button--small button--danger" @click=${() => deleteProject(view, project)}>
                Delete<span class="visually-hidden"> ${project.name}</span>
              </button>
            </div>`
          : nothing
      }
    </header>
    ${writable && view.renaming === project.id ? renameForm(view, project) : nothing}
    ${
      !resources
        ? html`<p class="empty">Loading…</p>`
        : resources.length === 0
          ? html`<p class="empty" data-testid="no-resources">No resources in this project.</p>`
          : resourceTable(view, project, resources)
    }
    ${canWriteResources(view, project.id, state.user?.id) ? newResourceForm(view, project) : nothing}
    ${projectMembers(view, project)}
  </section>`;
}

function startRename(view: OrgView, projectId: string) {
  view.renaming = projectId;
  update();
  requestAnimationFrame(() => document.getElementById(`rename-${projectId}`)?.focus());
}

function renameForm(view: OrgView, project: Project): TemplateResult {
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    const renamed = await attempt(() => api().projects.rename(view.id, project.id, { name: get("name") }));
    if (renamed) view.renaming = undefined;
    update();
  };
  const cancel = () => {
    view.renaming = undefined;
    update();
  };
  return html`<form class="form form--inline" @submit=${submit} @keydown=${(e: KeyboardEvent) => e.key === "Escape" && cancel()}>
    <label class="field"
      ><span>New name</span><input id=${`rename-${project.id}`} name="name" required maxlength="200" .value=${project.name}
    /></label>
    <button type="submit" class="button button--primary">Save</button>
    <button type="button" class="button" @click=${cancel}>Cancel</button>
  </form>`;
}

async function deleteProject(view: OrgView, project: Project) {
  if (!confirm(`Delete ${project.name} and every resource in it?`)) return;
  await attempt(() => api().projects.delete(view.id, project.id), `${project.name} was deleted.`);
}

function details(resource: Resource): string {
  const c = resource.config as Record<string, unknown>;
  switch (resource.type) {
    case "vps":
      return `${c.region} · ${c.plan} · ${c.image}`;
    case "domain":
      return `${c.fqdn ?? resource.name} · auto-renew ${c.autoRenew === false ? "off" : "on"}`;
    case "hosting":
      return `${c.plan} · PHP ${c.phpVersion}${c.domain ? ` · ${c.domain}` : ""}`;
  }
}

function resourceTable(view: OrgView, project: Project, resources: Resource[]): TemplateResult {
  const writable = canWriteResources(view, project.id, state.user?.id);
  const remove = async (r: Resource) => {
    if (!confirm(`Delete ${TYPE_LABELS[r.type]} ${r.name}?`)) return;
    await attempt(() => api().resources.delete(view.id, project.id, r.id), `${r.name} was deleted.`);
  };
  return html`<table class="table" data-testid="resources">
    <caption class="visually-hidden">Resources of ${project.name}</caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Type</th>
        <th scope="col">Details</th>
        <th scope="col">Created</th>
        ${writable ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing}
      </tr>
    </thead>
    <tbody>
      ${repeat(
        resources,
        (r) => r.id,
        (r) => html`<tr data-testid="resource-row" data-name=${r.name}>
          <th scope="row">${r.name}</th>
          <td><span class="tag">${TYPE_LABELS[r.type]}</span></td>
          <td class="muted">${details(r)}</td>
          <td>${day(r.createdAt)}</td>
          ${
            writable
              ? html`<td class="cell-actions">
                  <button type="button" class="button button--small button--danger" @click=${() => remove(r)}>
                    Delete<span class="visually-hidden"> ${r.name}</span>
                  </button>
                </td>`
              : nothing
          }
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function newResourceForm(view: OrgView, project: Project): TemplateResult {
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const type = get("type") as ResourceType;
    const created = await attempt(() => api().resources.create(view.id, project.id, { type, name: get("name") }));
    if (!created) return;
    form.reset();
    const list = view.resources[project.id] ?? [];
    if (!list.some((r) => r.id === created.id)) view.resources[project.id] = [...list, created];
    update();
  };
  return html`<form class="form form--inline form--compact" @submit=${submit} data-testid="new-resource">
    <label class="field"
      ><span>Type</span>
      <select name="type">
        ${RESOURCE_TYPES.map((t) => html`<option value=${t}>${TYPE_LABELS[t]}</option>`)}
      </select>
    </label>
    <label class="field field--grow"
      ><span>Name <span class="muted">(a domain's name is the domain)</span></span
      ><input name="name" required maxlength="200" placeholder="web-1"
    /></label>
    <button type="submit" class="button">Add resource<span class="visually-hidden"> to ${project.name}</span></button>
  </form>`;
}

function projectMembers(view: OrgView, project: Project): TemplateResult {
  const list = view.projectMembers[project.id] ?? [];
  const owner = can(view.role, "org.manage");
  const name = (userId: string) => {
    const m = view.members?.find((x) => x.userId === userId);
    return m ? `${m.name} (${m.email})` : userId === state.user?.id ? "you" : `user ${userId.slice(0, 8)}`;
  };
  const candidates = (view.members ?? []).filter((m) => !list.some((p) => p.userId === m.userId));
  const add = async (event: Event) => {
    const { get } = formValues(event);
    const userId = get("userId");
    if (!userId) return;
    await attempt(() => api().projects.setMember(view.id, project.id, userId, get("role") as ProjectRole));
  };
  const removeMember = (userId: string) =>
    attempt(() => api().projects.removeMember(view.id, project.id, userId), `${name(userId)} left ${project.name}.`);
  return html`<details class="project__members">
    <summary>Project members (${list.length})</summary>
    ${
      list.length
        ? html`<ul class="plain-list">
            ${list.map(
              (m) => html`<li>
                ${name(m.userId)} ${roleBadge(m.role)}
                ${
                  owner
                    ? html`<button type="button" class="button button--small button--quiet" @click=${() => removeMember(m.userId)}>
                        Remove<span class="visually-hidden"> ${name(m.userId)} from ${project.name}</span>
                      </button>`
                    : nothing
                }
              </li>`,
            )}
          </ul>`
        : html`<p class="empty">Nobody holds a role on this project alone.</p>`
    }
    ${
      owner && candidates.length
        ? html`<form class="form form--inline form--compact" @submit=${add}>
            <label class="field"
              ><span>Member</span>
              <select name="userId">
                ${candidates.map((m) => html`<option value=${m.userId}>${m.name} (${m.email})</option>`)}
              </select>
            </label>
            <label class="field"
              ><span>Project role</span>
              <select name="role">
                <option value="viewer">viewer</option>
                <option value="editor">editor</option>
              </select>
            </label>
            <button type="submit" class="button">Add<span class="visually-hidden"> to ${project.name}</span></button>
          </form>`
        : nothing
    }
  </details>`;
}
