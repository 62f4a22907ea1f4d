import { html, nothing, type TemplateResult } from "lit-html";
import { OrgwireError } from "../../../client-sdk/src/errors.js";
import { day, errorText } from "../format.js";
import { href, navigate } from "../router.js";
import { api, attempt, loadMe } from "../session.js";
import { state, update } from "../store.js";
import { roleBadge } from "./shell.js";

/** Reads what an invitation link offers (no sign-in needed). */
export async function loadInvitation(token: string): Promise<void> {
  if (state.invite?.token === token && (state.invite.preview || state.invite.error)) return;
  state.invite = { token };
  update();
  try {
    const preview = await api().invitations.preview(token);
    if (state.invite?.token === token) state.invite.preview = preview;
  } catch (error) {
    if (state.invite?.token !== token) return;
    state.invite.error =
      error instanceof OrgwireError && error.status === 404
        ? "This invitation doesn't exist or was revoked."
        : errorText(error);
  }
  update();
}

/** `/invite/<token>`: what it invites to, and how to accept it. */
export function invitePage(): TemplateResult {
  const invite = state.invite;
  const route = state.route;
  const here = route.page === "invite" ? href(route) : "/";
  const preview = invite?.preview;

  const accept = async () => {
    if (!invite) return;
    const accepted = await attempt(() => api().invitations.accept(invite.token));
    if (!accepted) return;
    if (state.lost?.orgId === accepted.orgId) state.lost = undefined;
    await attempt(loadMe);
    navigate(`/orgs/${accepted.orgId}/projects`, { replace: true });
  };

  let body: TemplateResult;
  if (!invite || (!preview && !invite.error)) body = html`<p>Reading the invitation…</p>`;
  else if (!preview) body = html`<p class="alert" role="alert">${invite.error}</p>`;
  else {
    const mismatch = state.user && state.user.email.toLowerCase() !== preview.email.toLowerCase();
    body = html`<p>
        You are invited to join <strong data-testid="invite-org">${preview.orgName}</strong> as
        ${roleBadge(preview.role)}.
      </p>
      <p class="muted">For ${preview.email} · expires ${day(preview.expiresAt)}</p>
      ${
        !state.user
          ? html`<p>
              <a class="button button--primary" href=${href({ page: "signup", next: here, email: preview.email })}
                >Create an account</a
              >
              or <a href=${href({ page: "signin", next: here })}>sign in</a> as ${preview.email} to accept.
            </p>`
          : mismatch
            ? html`<p class="alert" role="alert">
                You are signed in as ${state.user.email}; this invitation is for ${preview.email}.
              </p>`
            : html`<button type="button" class="button button--primary" @click=${accept} data-testid="accept-invite">
                Accept and join ${preview.orgName}
              </button>`
      }`;
  }
  return html`<header class="page-head"><div><h1 tabindex="-1">Invitation</h1></div></header>
    <section class="card">${body}</section>${state.user ? nothing : html`<p class="muted"><a href="/signin">Sign in</a></p>`}`;
}
