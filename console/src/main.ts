import "./styles.css";
import "./components.css";
import { html, render, type TemplateResult } from "lit-html";
import { closeOrg, openOrg, openSection } from "./live.js";
import { can } from "./permissions.js";
import { href, navigate, startRouter } from "./router.js";
import { api, attempt, forgetSession, loadMe, rememberToken, report, setSignedOutHandler } from "./session.js";
import { type Route, setRenderer, state, update } from "./store.js";
import { accountPage, loadAccount } from "./views/account.js";
import { apiKeysPage } from "./views/api-keys.js";
import { auditPage } from "./views/audit.js";
import { authPage } from "./views/auth.js";
import { billingPage } from "./views/billing.js";
import { invitePage, loadInvitation } from "./views/invite.js";
import { membersPage } from "./views/members.js";
import { mfaRequiredPage } from "./views/mfa-required.js";
import { orgSettingsPage } from "./views/org-settings.js";
import { orgsPage } from "./views/orgs.js";
import { projectsPage } from "./views/projects.js";
import { orgHeading, shell } from "./views/shell.js";
import { webhooksPage } from "./views/webhooks.js";

const root = document.getElementById("app") as HTMLElement;
const handlers = { signOut, dismissLost };

function page(): TemplateResult {
  if (state.booting) return html`<p class="boot" role="status">Loading…</p>`;
  const route = state.route;
  if (!state.user) {
    if (route.page === "invite")
      return html`<div class="centered"><main id="main" class="card card--auth" tabindex="-1">${invitePage()}</main></div>`;
    return authPage(signedIn, dismissLost);
  }
  switch (route.page) {
    case "orgs":
      return shell(orgsPage(), handlers);
    case "invite":
      return shell(invitePage(), handlers);
    case "account":
      return shell(accountPage(), handlers);
    case "org":
      return shell(orgPage(route), handlers);
    default:
      return shell(
        html`<header class="page-head"><div><h1 tabindex="-1">Page not found</h1></div></header>
          <p><a href="/">Go to your organizations</a></p>`,
        handlers,
      );
  }
}

function orgPage(route: Extract<Route, { page: "org" }>): TemplateResult {
  if (state.mfaBlocked?.orgId === route.orgId) return mfaRequiredPage(state.mfaBlocked);
  const view = state.org;
  if (!view || view.id !== route.orgId) {
    if (state.lost?.orgId === route.orgId)
      return html`<header class="page-head"><div><h1 tabindex="-1">No access</h1></div></header>
        <section class="card" data-testid="org-gone">
          <p>This organization's data is no longer shown. <a href="/">Go to your organizations</a>.</p>
        </section>`;
    return html`<p class="boot" role="status">Loading…</p>`;
  }
  switch (route.section) {
    case "projects":
      return projectsPage(view);
    case "members":
      return membersPage(view);
    case "audit":
      return can(view.role, "audit.read") ? auditPage(view) : ownersOnly("Audit log");
    case "api-keys":
      return can(view.role, "api_keys.manage") ? apiKeysPage(view) : ownersOnly("API keys");
    case "webhooks":
      return can(view.role, "webhooks.manage") ? webhooksPage(view) : ownersOnly("Webhooks");
    case "settings":
      return can(view.role, "org.manage") ? orgSettingsPage(view) : ownersOnly("Settings");
    case "billing":
      return can(view.role, "org.manage") ? billingPage(view) : ownersOnly("Billing");
  }
}

const ownersOnly = (title: string) =>
  html`${orgHeading(title)}<section class="card" data-testid="owners-only"><p class="empty">Only owners see this page.</p></section>`;

/** Follows the address: guards, the open organization's stream, focus on the new heading. */
function enter(route: Route): void {
  // A sign-in's MFA step belongs to the sign-in page.
  if (route.page !== "signin") state.mfaStep = undefined;
  if (!state.user) {
    if (route.page === "invite") void loadInvitation(route.token);
    else if (route.page !== "signin" && route.page !== "signup") {
      const next = route.page === "orgs" || route.page === "not-found" ? undefined : location.pathname;
      navigate(href({ page: "signin", next }), { replace: true });
      return;
    }
  } else if (route.page === "signin" || route.page === "signup") {
    navigate(route.next ?? "/", { replace: true });
    return;
  } else if (route.page === "org") {
    openOrg(route.orgId);
    if (state.org) openSection(state.org, route.section);
  } else {
    closeOrg();
    if (route.page === "invite") void loadInvitation(route.token);
    if (route.page === "account") void loadAccount();
  }
  // Screen readers hear the new page's title; keyboard focus starts from it.
  requestAnimationFrame(() => document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: true }));
}

async function signedIn(next?: string) {
  rememberToken();
  await attempt(loadMe);
  navigate(next ?? "/", { replace: true });
}

async function signOut() {
  closeOrg();
  await attempt(() => api().auth.logout());
  forgetSession();
}

function dismissLost() {
  const lost = state.lost;
  state.lost = undefined;
  if (lost && state.route.page === "org" && state.route.orgId === lost.orgId) navigate("/");
  update();
}

async function boot() {
  setRenderer(() => render(page(), root));
  setSignedOutHandler(() => {
    closeOrg();
    state.lost = undefined;
    state.mfaBlocked = undefined;
    const page = state.route.page;
    if (page !== "signin" && page !== "signup" && page !== "invite") navigate("/signin", { replace: true });
  });
  try {
    await loadMe();
  } catch (error) {
    report(error);
  }
  state.booting = false;
  startRouter(enter);
}

void boot();
