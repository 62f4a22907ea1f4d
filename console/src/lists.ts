import { OrgwireError } from "../../client-sdk/src/errors.js";
import type { OrgEvent } from "../../client-sdk/src/index.js";
import { can } from "./permissions.js";
import { api, report } from "./session.js";
import { type OrgView, state, update } from "./store.js";

/** Lists are read whole, up to the API's largest page. */
const ALL = { limit: 500 };

/**
 * Reads one list and applies it, unless a newer read of the same list was started meanwhile or
 * the organization is no longer open. A 403/404 here means access just changed: the stream says
 * why, so it is not reported twice.
 */
async function refresh<T>(view: OrgView, key: string, read: () => Promise<T>, apply: (value: T) => void) {
  const generation = (view.generations.get(key) ?? 0) + 1;
  view.generations.set(key, generation);
  try {
    const value = await read();
    if (state.org !== view || view.generations.get(key) !== generation) return;
    apply(value);
    update();
  } catch (error) {
    if (state.org !== view) return;
    if (error instanceof OrgwireError && error.code === "mfa_required") {
      // The stream is refused too; the page says why at once, whichever answer comes first.
      state.mfaBlocked = { orgId: view.id, name: view.name || "This organization" };
      update();
      return;
    }
    if (error instanceof OrgwireError && (error.status === 403 || error.status === 404)) return;
    report(error);
  }
}

export const refreshOrg = (view: OrgView) =>
  refresh(
    view,
    "org",
    () => api().orgs.get(view.id),
    (org) => {
      view.name = org.name;
      setRole(view, org.role);
    },
  );

/** The settings page's data: the organization as an owner reads it, settings included. */
export const refreshSettings = (view: OrgView) =>
  refresh(
    view,
    "settings",
    () => api().orgs.get(view.id),
    (org) => {
      view.name = org.name;
      view.settings = org.settings ?? {};
    },
  );

export const refreshBilling = (view: OrgView) =>
  refresh(
    view,
    "billing",
    () => api().orgs.billing(view.id),
    (billing) => {
      view.billing = billing;
    },
  );

export const refreshMembers = (view: OrgView) =>
  can(view.role, "org.read_all")
    ? refresh(
        view,
        "members",
        () => api().members.list(view.id, ALL),
        (page) => {
          view.members = page.items;
          view.membersTruncated = page.nextCursor !== null;
        },
      )
    : undefined;

export const refreshInvitations = (view: OrgView) =>
  can(view.role, "org.manage")
    ? refresh(
        view,
        "invitations",
        () => api().invitations.list(view.id, ALL),
        (page) => {
          view.invitations = page.items;
        },
      )
    : undefined;

export const refreshApiKeys = (view: OrgView) =>
  can(view.role, "api_keys.manage")
    ? refresh(
        view,
        "apiKeys",
        () => api().apiKeys.list(view.id, ALL),
        (page) => {
          view.apiKeys = page.items;
        },
      )
    : undefined;

export const refreshWebhooks = (view: OrgView) =>
  can(view.role, "webhooks.manage")
    ? refresh(
        view,
        "webhooks",
        () => api().webhooks.list(view.id, ALL),
        (page) => {
          view.webhooks = page.items;
          const ids = new Set(page.items.map((w) => w.id));
          for (const id of Object.keys(view.deliveries)) if (!ids.has(id)) delete view.deliveries[id];
        },
      )
    : undefined;

/** One endpoint's latest delivery attempts, newest first (live ones are prepended by live.ts). */
export const refreshDeliveries = (view: OrgView, webhookId: string) =>
  refresh(
    view,
    `deliveries:${webhookId}`,
    () => api().webhooks.deliveries(view.id, webhookId, { limit: 50 }),
    (page) => {
      view.deliveries[webhookId] = page.items;
    },
  );

export const refreshResources = (view: OrgView, projectId: string) =>
  refresh(
    view,
    `resources:${projectId}`,
    () => api().resources.list(view.id, projectId, ALL),
    (page) => {
      view.resources[projectId] = page.items;
    },
  );

export const refreshProjectMembers = (view: OrgView, projectId: string) =>
  refresh(
    view,
    `projectMembers:${projectId}`,
    () => api().projects.members(view.id, projectId),
    (page) => {
      view.projectMembers[projectId] = page.items;
    },
  );

/** The project list, and the resources and project members of each project (`all`) or of new ones. */
export const refreshProjects = (view: OrgView, options: { all?: boolean } = {}) =>
  refresh(
    view,
    "projects",
    () => api().projects.list(view.id, ALL),
    (page) => {
      view.projects = page.items;
      const ids = new Set(page.items.map((p) => p.id));
      for (const id of Object.keys(view.resources)) if (!ids.has(id)) delete view.resources[id];
      for (const id of Object.keys(view.projectMembers)) if (!ids.has(id)) delete view.projectMembers[id];
      for (const project of page.items) {
        if (options.all || !view.resources[project.id]) void refreshResources(view, project.id);
        if (options.all || !view.projectMembers[project.id]) void refreshProjectMembers(view, project.id);
      }
    },
  );

/** The first page of the audit log under the current filters (owners). */
export async function loadAudit(view: OrgView, options: { more?: boolean } = {}) {
  if (!can(view.role, "audit.read")) return;
  const audit = view.audit;
  const cursor = options.more ? (audit.cursor ?? undefined) : undefined;
  await refresh(
    view,
    "audit",
    () => api().audit.list(view.id, { ...audit.filters, cursor, limit: 100 }),
    (page) => {
      audit.items = options.more ? [...audit.items, ...page.items] : page.items;
      audit.cursor = page.nextCursor;
      audit.loaded = true;
    },
  );
}

/** Everything the viewer's role lets them see; what it no longer does is dropped. */
export function loadAll(view: OrgView): void {
  void refreshProjects(view, { all: true });
  if (can(view.role, "org.read_all")) void refreshMembers(view);
  else {
    view.members = undefined;
    view.membersTruncated = undefined;
  }
  if (can(view.role, "org.manage")) void refreshInvitations(view);
  else view.invitations = undefined;
  if (can(view.role, "api_keys.manage")) void refreshApiKeys(view);
  else {
    view.apiKeys = undefined;
    view.newKey = undefined;
  }
  if (!can(view.role, "webhooks.manage")) {
    view.webhooks = undefined;
    view.newWebhook = undefined;
    view.deliveries = {};
  } else if (view.webhooks || (state.route.page === "org" && state.route.section === "webhooks")) {
    // Also after a reconnect: deliveries made while away are not replayed on the socket.
    void refreshWebhooks(view);
    for (const id of Object.keys(view.deliveries)) void refreshDeliveries(view, id);
  }
  if (!can(view.role, "audit.read")) view.audit = { ...view.audit, items: [], cursor: null, loaded: false };
  else if (view.audit.loaded || (state.route.page === "org" && state.route.section === "audit")) void loadAudit(view);
  // Settings and billing: read again if their page is or was open (nothing missed meanwhile).
  const section = state.route.page === "org" ? state.route.section : undefined;
  if (!can(view.role, "org.manage")) {
    view.settings = undefined;
    view.billing = undefined;
  } else {
    if (view.settings || section === "settings") void refreshSettings(view);
    if (view.billing || section === "billing") void refreshBilling(view);
  }
  update();
}

/** The viewer's role changed: what they may do is re-rendered, and their lists re-read. */
export function setRole(view: OrgView, role: OrgView["role"]): void {
  for (const org of state.orgs) if (org.id === view.id) org.role = role;
  if (view.role === role) return;
  view.role = role;
  loadAll(view);
}

/** Does a live event belong in the audit tail under these filters? */
export function matchesFilters(view: OrgView, event: OrgEvent): boolean {
  const { actorId, action, projectId, from, to } = view.audit.filters;
  if (actorId && event.actor.id !== actorId) return false;
  if (action && (action.endsWith(".*") ? !event.type.startsWith(action.slice(0, -1)) : event.type !== action))
    return false;
  if (projectId && event.projectId !== projectId) return false;
  const at = Date.parse(event.occurredAt);
  if (from && at < Date.parse(from)) return false;
  if (to && at >= Date.parse(to)) return false;
  return true;
}
