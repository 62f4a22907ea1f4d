import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { Invitation, Member, OrgRole } from "../../../client-sdk/src/index.js";
import { day, when } from "../format.js";
import { can, ORG_ROLES } from "../permissions.js";
import { api, attempt, formValues } from "../session.js";
import { type OrgView, state, update } from "../store.js";
import { orgHeading, roleBadge } from "./shell.js";

const ROLE_HINTS: Record<OrgRole, string> = {
  owner: "everything, billing and members",
  editor: "manages projects and resources",
  viewer: "reads everything",
  guest: "only the projects named",
};

/** Members (roles, change, remove, leave), pending invitations and the invite form. */
export function membersPage(view: OrgView): TemplateResult {
  const owner = can(view.role, "org.manage");
  return html`${orgHeading("Members")}
    ${
      can(view.role, "org.read_all")
        ? memberTable(view, owner)
        : html`<section class="card"><p class="empty">Guests don't see the member list.</p></section>`
    }
    ${owner ? inviteForm(view) : nothing} ${owner ? invitationTable(view) : nothing}
    ${leaveCard(view)}`;
}

/**
 * Is the viewer the organization's only owner? Leaving would leave it without one, which the
 * server refuses (409 `last_owner`). Unknown (list not read yet, or longer than one page) is no.
 */
function soleOwner(view: OrgView): boolean {
  if (view.role !== "owner" || !view.members || view.membersTruncated) return false;
  return view.members.filter((m) => m.role === "owner").length <= 1;
}

/** Leaving: the last owner's button is disabled and says why; another owner appearing live enables it. */
function leaveCard(view: OrgView): TemplateResult {
  const blocked = soleOwner(view);
  return html`<section class="card card--danger" aria-labelledby="leave-title">
    <h2 id="leave-title">Leave ${view.name}</h2>
    ${
      blocked
        ? html`<p class="muted" id="leave-blocked" data-testid="leave-blocked">
            You are the last owner: name another owner or delete the organization before you leave.
          </p>`
        : html`<p class="muted">You lose access at once. An organization keeps at least one owner.</p>`
    }
    <button
      type="button"
      class="button button--danger"
      ?disabled=${blocked}
      aria-describedby=${blocked ? "leave-blocked" : nothing}
      @click=${() => leave(view)}
      data-testid="leave"
    >
      Leave organization
    </button>
  </section>`;
}

function memberTable(view: OrgView, owner: boolean): TemplateResult {
  const members = view.members;
  const me = state.user?.id;
  return html`<section class="card" aria-labelledby="members-title">
    <h2 id="members-title">People <span class="count">${members?.length ?? ""}</span></h2>
    ${
      !members
        ? html`<p class="empty">Loading…</p>`
        : html`<table class="table" data-testid="members-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                ${owner ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing}
              </tr>
            </thead>
            <tbody>
              ${repeat(
                members,
                (m) => m.userId,
                (m) => html`<tr data-testid="member-row" data-email=${m.email}>
                  <th scope="row">${m.name}${m.userId === me ? html` <span class="muted">(you)</span>` : nothing}</th>
                  <td>${m.email}</td>
                  <td>${owner ? roleForm(view, m) : roleBadge(m.role)}</td>
                  <td>${day(m.joinedAt)}</td>
                  ${
                    owner
                      ? html`<td class="cell-actions">
                          ${
                            m.userId === me
                              ? nothing
                              : html`<button
                                  type="button"
                                  class="button button--danger button--small"
                                  @click=${() => remove(view, m)}
                                  data-testid="remove-member"
                                >
                                  Remove<span class="visually-hidden"> ${m.name}</span>
                                </button>`
                          }
                        </td>`
                      : nothing
                  }
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

/** A role select and its button: a keyboard user can look through roles before applying one. */
function roleForm(view: OrgView, member: Member): TemplateResult {
  const id = `role-${member.userId}`;
  const submit = async (event: Event) => {
    const { get } = formValues(event);
    const role = get("role") as OrgRole;
    if (role === member.role) return;
    await attempt(() => api().members.setRole(view.id, member.userId, role), `${member.name} is now ${role}.`);
  };
  return html`<form class="role-form" @submit=${submit} data-testid="role-form">
    <label class="visually-hidden" for=${id}>Role of ${member.name}</label>
    <select id=${id} name="role" data-testid="role-select" data-role=${member.role}>
      ${ORG_ROLES.map((r) => html`<option value=${r} .selected=${r === member.role}>${r}</option>`)}
    </select>
    <button type="submit" class="button button--small" data-testid="role-apply">
      Apply<span class="visually-hidden"> role to ${member.name}</span>
    </button>
  </form>`;
}

async function remove(view: OrgView, member: Member) {
  if (!confirm(`Remove ${member.name} (${member.email}) from ${view.name}? Their access ends at once.`)) return;
  await attempt(() => api().members.remove(view.id, member.userId), `${member.name} was removed.`);
}

async function leave(view: OrgView) {
  const me = state.user?.id;
  if (!me || !confirm(`Leave ${view.name}? You lose access at once.`)) return;
  // The stream then reports `member_left`, which clears the page.
  await attempt(() => api().members.remove(view.id, me));
}

function inviteForm(view: OrgView): TemplateResult {
  const projects = view.projects ?? [];
  const submit = async (event: Event) => {
    const { form, get } = formValues(event);
    const role = get("role") as OrgRole;
    const grants = projects
      .filter((p) => (form.elements.namedItem(`project-${p.id}`) as HTMLInputElement | null)?.checked)
      .map((p) => ({ projectId: p.id, role: get(`project-role-${p.id}`) as "editor" | "viewer" }));
    const email = get("email");
    const created = await attempt(
      () => api().invitations.create(view.id, { email, role, projects: grants.length ? grants : undefined }),
      `Invitation sent to ${email}.`,
    );
    if (created) form.reset();
    update();
  };
  return html`<section class="card" aria-labelledby="invite-title">
    <h2 id="invite-title">Invite a member</h2>
    <form class="form" @submit=${submit} data-testid="invite-form">
      <div class="form__row">
        <label class="field field--grow"
          ><span>Email</span><input name="email" type="email" required autocomplete="off" placeholder="name@example.com"
        /></label>
        <label class="field"
          ><span>Role</span>
          <select name="role">
            ${ORG_ROLES.map((r) => html`<option value=${r} ?selected=${r === "viewer"}>${r} — ${ROLE_HINTS[r]}</option>`)}
          </select>
        </label>
      </div>
      ${
        projects.length
          ? html`<fieldset class="fieldset">
              <legend>Project roles <span class="muted">(required for guests, optional for others)</span></legend>
              ${projects.map(
                (p) => html`<div class="grant">
                  <label><input type="checkbox" name=${`project-${p.id}`} /> ${p.name}</label>
                  <label class="visually-hidden" for=${`grant-${p.id}`}>Project role on ${p.name}</label>
                  <select id=${`grant-${p.id}`} name=${`project-role-${p.id}`}>
                    <option value="viewer">viewer</option>
                    <option value="editor">editor</option>
                  </select>
                </div>`,
              )}
            </fieldset>`
          : nothing
      }
      <div><button type="submit" class="button button--primary">Send invitation</button></div>
    </form>
  </section>`;
}

function invitationTable(view: OrgView): TemplateResult {
  const invitations = view.invitations;
  const act = (invitation: Invitation, what: "resend" | "revoke") =>
    attempt<unknown>(
      () =>
        what === "resend"
          ? api().invitations.resend(view.id, invitation.id)
          : api().invitations.revoke(view.id, invitation.id),
      what === "resend"
        ? `Invitation mailed again to ${invitation.email}.`
        : `Invitation of ${invitation.email} revoked.`,
    );
  return html`<section class="card" aria-labelledby="pending-title">
    <h2 id="pending-title">Pending invitations <span class="count">${invitations?.length ?? ""}</span></h2>
    ${
      !invitations?.length
        ? html`<p class="empty">${invitations ? "No pending invitations." : "Loading…"}</p>`
        : html`<table class="table" data-testid="invitations-table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Sent</th>
                <th scope="col">Expires</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${repeat(
                invitations,
                (i) => i.id,
                (i) => html`<tr data-testid="invitation-row">
                  <th scope="row">${i.email}</th>
                  <td>${roleBadge(i.role)}</td>
                  <td>${when(i.createdAt)}</td>
                  <td>${day(i.expiresAt)}</td>
                  <td class="cell-actions">
                    <button type="button" class="button button--small" @click=${() => act(i, "resend")}>
                      Resend<span class="visually-hidden"> to ${i.email}</span>
                    </button>
                    <button type="button" class="button button--small button--danger" @click=${() => act(i, "revoke")}>
                      Revoke<span class="visually-hidden"> invitation of ${i.email}</span>
                    </button>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}
