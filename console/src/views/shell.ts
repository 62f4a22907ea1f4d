import { html, nothing, type TemplateResult } from "lit-html";
import { can } from "../permissions.js";
import { href } from "../router.js";
import { type Section, state } from "../store.js";

const SECTION_LABELS: Record<Section, string> = {
  projects: "Projects",
  members: "Members",
  audit: "Audit log",
  "api-keys": "API keys",
  webhooks: "Webhooks",
  settings: "Settings",
  billing: "Billing",
};

/** Which sections a role sees in the navigation. */
export function sectionsFor(role: Parameters<typeof can>[0]): Section[] {
  return (["projects", "members", "audit", "api-keys", "webhooks", "settings", "billing"] as const).filter(
    (s) =>
      (s !== "audit" || can(role, "audit.read")) &&
      (s !== "api-keys" || can(role, "api_keys.manage")) &&
      (s !== "webhooks" || can(role, "webhooks.manage")) &&
      ((s !== "settings" && s !== "billing") || can(role, "org.manage")),
  );
}

export const roleBadge = (role: string, testid?: string) =>
  html`<span class="badge badge--${role}" data-testid=${testid ?? nothing}>${role}</span>`;

/** The live indicator: the stream's state and the last seq the page has applied. */
function liveIndicator(): TemplateResult | typeof nothing {
  if (!state.org) return nothing;
  const { status, seq } = state.live;
  return html`<p class="live live--${status}" data-testid="live" aria-live="polite">
    <span class="live__dot" aria-hidden="true"></span>
    <span data-testid="live-status">${status}</span>
    <span class="live__seq">seq <span data-testid="live-seq">${seq ?? "–"}</span></span>
  </p>`;
}

function sidebar(onSignOut: () => void): TemplateResult {
  const route = state.route;
  const current = route.page === "org" ? route.orgId : undefined;
  const org = state.org;
  return html`<nav class="sidebar" aria-label="Main">
    <h2 class="sidebar__title" id="nav-orgs">Organizations</h2>
    <ul class="sidebar__list" aria-labelledby="nav-orgs" data-testid="org-list">
      ${state.orgs.map(
        (o) => html`<li>
          <a
            href=${href({ page: "org", orgId: o.id, section: "projects" })}
            aria-current=${o.id === current ? "true" : nothing}
            class="sidebar__org"
            ><span class="sidebar__org-name">${o.name}</span> ${roleBadge(o.role)}</a
          >
        </li>`,
      )}
      <li><a href="/" class="sidebar__new" aria-current=${route.page === "orgs" ? "page" : nothing}>All organizations / new</a></li>
    </ul>
    ${
      org && current === org.id
        ? html`<h2 class="sidebar__title" id="nav-sections">${org.name}</h2>
            <ul class="sidebar__list" aria-labelledby="nav-sections" data-testid="sections">
              ${sectionsFor(org.role).map(
                (s) => html`<li>
                  <a
                    href=${href({ page: "org", orgId: org.id, section: s })}
                    aria-current=${route.page === "org" && route.section === s ? "page" : nothing}
                    data-testid=${`nav-${s}`}
                    >${SECTION_LABELS[s]}</a
                  >
                </li>`,
              )}
            </ul>`
        : nothing
    }
    <div class="sidebar__foot">
      <p class="sidebar__user" data-testid="me">${state.user?.name} <span>${state.user?.email}</span></p>
      <button type="button" class="button button--quiet" @click=${onSignOut} data-testid="sign-out">Sign out</button>
    </div>
  </nav>`;
}

/** The status region (information) or an alert (errors), and the alert of lost access. */
export function notices(onDismissLost: () => void): TemplateResult {
  const notice = state.notice;
  return html`
    ${
      state.lost
        ? html`<div class="alert alert--lost" role="alert" data-testid="revoked">
            <p>${state.lost.text}</p>
            <button type="button" class="button button--quiet" @click=${onDismissLost}>Dismiss</button>
          </div>`
        : nothing
    }
    <div class="notice-area" role="status" aria-live="polite" data-testid="notice">${
      notice?.kind === "info" ? html`<p class="notice">${notice.text}</p>` : nothing
    }</div>
    <div class="notice-area" role="alert" data-testid="error">${
      notice?.kind === "error" ? html`<p class="notice notice--error">${notice.text}</p>` : nothing
    }</div>
  `;
}

/** The signed-in layout: top bar, navigation, and the page. */
export function shell(page: TemplateResult, handlers: { signOut: () => void; dismissLost: () => void }) {
  return html`<a class="skip" href="#main">Skip to content</a>
    <div class="layout">
      <header class="topbar">
        <a class="brand" href="/"><img src="/favicon.svg" alt="" width="24" height="24" /> Orgwire</a>
        <span class="topbar__org">${state.org ? state.org.name : nothing}</span>
        ${liveIndicator()}
        <a
          class="topbar__account"
          href=${href({ page: "account" })}
          aria-current=${state.route.page === "account" ? "page" : nothing}
          data-testid="account-link"
          >Account</a
        >
      </header>
      ${sidebar(handlers.signOut)}
      <main id="main" tabindex="-1" class="main">${notices(handlers.dismissLost)} ${page}</main>
    </div>`;
}

/** The page's heading with the organization and the viewer's role. */
export function orgHeading(title: string, extra: TemplateResult | typeof nothing = nothing): TemplateResult {
  const org = state.org;
  return html`<header class="page-head">
    <div>
      <h1 tabindex="-1">${title}</h1>
      ${org ? html`<p class="page-head__sub">${org.name} · your role ${roleBadge(org.role, "my-role")}</p>` : nothing}
    </div>
    ${extra}
  </header>`;
}
