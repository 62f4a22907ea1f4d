import type { OrgEvent, RevocationReason, Subscription, WebhookDelivery } from "../../client-sdk/src/index.js";
import { lostMessage } from "./format.js";
import {
  loadAll,
  loadAudit,
  matchesFilters,
  refreshApiKeys,
  refreshBilling,
  refreshInvitations,
  refreshMembers,
  refreshOrg,
  refreshProjectMembers,
  refreshProjects,
  refreshSettings,
  refreshWebhooks,
  setRole,
} from "./lists.js";
import { can } from "./permissions.js";
import { api, forgetSession } from "./session.js";
import { newOrgView, notify, type OrgView, state, update } from "./store.js";

/** Audit entries kept in the page; older ones are a "Load older" away. */
const AUDIT_KEEP = 1000;

let subscription: Subscription | undefined;

/**
 * Opens an organization: its live stream first, then its lists once the stream is ready (and
 * again after every reconnect, so nothing missed while away stays missing).
 */
export function openOrg(orgId: string): void {
  if (state.org?.id === orgId && subscription) return;
  closeOrg();
  if (state.lost?.orgId === orgId) return;
  state.lost = undefined;
  // Opening it again is a new try: the user may have turned MFA on meanwhile.
  if (state.mfaBlocked?.orgId === orgId) state.mfaBlocked = undefined;
  const known = state.orgs.find((o) => o.id === orgId);
  const view = newOrgView(known ?? { id: orgId, name: "", role: "guest" });
  state.org = view;
  state.live = { status: "connecting" };
  void refreshOrg(view);
  subscription = api().subscribe(orgId, {
    onStatus: (status) => {
      if (state.org !== view) return;
      state.live = { ...state.live, status };
      update();
    },
    onReady: (ready) => {
      if (state.org !== view) return;
      state.live = { status: "live", seq: Math.max(state.live.seq ?? 0, ready.seq) };
      // Either way every list is read again: this is a first connect or a reconnect.
      if (view.role !== ready.role) setRole(view, ready.role);
      else loadAll(view);
    },
    onEvent: (event) => {
      if (state.org !== view) return;
      state.live = { ...state.live, seq: event.seq };
      applyEvent(view, event);
      update();
    },
    onDelivery: (delivery) => {
      if (state.org !== view) return;
      applyDelivery(view, delivery);
      update();
    },
    onRevoked: ({ reason }) => lose(view, reason),
    onError: (error) => {
      if (error.status === 401) forgetSession("Your session ended. Sign in again.");
      else lose(view, error.code === "mfa_required" ? "mfa_required" : "forbidden");
    },
  });
}

/** Stops the stream of the open organization and forgets its data. */
export function closeOrg(): void {
  subscription?.close();
  subscription = undefined;
  state.org = undefined;
  state.live = { status: "closed" };
}

/** Access ended: the page says why, at once, and shows nothing more of the organization. */
function lose(view: OrgView, reason: RevocationReason | "forbidden"): void {
  if (state.org !== view) return;
  const name = view.name || state.orgs.find((o) => o.id === view.id)?.name || "this organization";
  closeOrg();
  if (reason === "mfa_required") {
    // Still a member: the organization stays listed, its page explains how to get back in.
    state.notice = undefined;
    state.mfaBlocked = { orgId: view.id, name };
    update();
    return;
  }
  if (reason === "session_revoked") {
    forgetSession(lostMessage(name, reason));
    return;
  }
  state.orgs = state.orgs.filter((o) => o.id !== view.id);
  state.notice = undefined;
  state.lost = { orgId: view.id, text: lostMessage(name, reason) };
  update();
}

/** Brings the page's lists in line with one event: patched from its data, or re-read. */
function applyEvent(view: OrgView, event: OrgEvent): void {
  const me = state.user?.id;
  switch (event.type) {
    case "org.updated":
      view.name = event.data.name;
      for (const org of state.orgs) if (org.id === view.id) org.name = event.data.name;
      break;
    case "settings.updated":
      if (view.settings) view.settings = event.data.settings;
      break;
    case "member.joined":
      void refreshMembers(view);
      void refreshInvitations(view);
      break;
    case "member.role_changed": {
      const member = view.members?.find((m) => m.userId === event.data.userId);
      if (member) member.role = event.data.to;
      if (event.data.userId === me) {
        notify("info", `Your role in ${view.name} is now ${event.data.to}.`);
        setRole(view, event.data.to);
      }
      break;
    }
    case "member.removed":
      if (view.members) view.members = view.members.filter((m) => m.userId !== event.data.userId);
      // Their project roles went with them.
      for (const id of Object.keys(view.projectMembers))
        view.projectMembers[id] = (view.projectMembers[id] ?? []).filter((m) => m.userId !== event.data.userId);
      break;
    case "member.invited":
    case "invitation.revoked":
    case "invitation.resent":
      void refreshInvitations(view);
      break;
    case "project.created":
      if (view.projects && !view.projects.some((p) => p.id === event.target.id))
        view.projects = [...view.projects, { id: event.target.id, name: event.data.name, createdAt: event.occurredAt }];
      view.resources[event.target.id] ??= [];
      view.projectMembers[event.target.id] ??= [];
      break;
    case "project.updated":
      for (const project of view.projects ?? []) if (project.id === event.target.id) project.name = event.data.name;
      break;
    case "project.deleted":
      view.projects = view.projects?.filter((p) => p.id !== event.target.id);
      delete view.resources[event.target.id];
      delete view.projectMembers[event.target.id];
      break;
    case "project.member_added":
    case "project.member_role_changed":
    case "project.member_removed":
      if (event.projectId) void refreshProjectMembers(view, event.projectId);
      // A guest's projects are the ones they hold a role on.
      if (event.data.userId === me && !can(view.role, "org.read_all")) void refreshProjects(view);
      break;
    case "resource.created":
    case "resource.updated": {
      if (!event.projectId) break;
      const list = view.resources[event.projectId] ?? [];
      const current = list.find((r) => r.id === event.target.id);
      const next = {
        id: event.target.id,
        projectId: event.projectId,
        type: event.data.type,
        name: event.data.name,
        config: event.data.config,
        createdAt: current?.createdAt ?? event.occurredAt,
        updatedAt: event.occurredAt,
      };
      view.resources[event.projectId] = current ? list.map((r) => (r === current ? next : r)) : [...list, next];
      break;
    }
    case "resource.deleted":
      if (event.projectId)
        view.resources[event.projectId] = (view.resources[event.projectId] ?? []).filter(
          (r) => r.id !== event.target.id,
        );
      break;
    case "api_key.created":
    case "api_key.revoked":
      void refreshApiKeys(view);
      break;
    case "webhook.created":
    case "webhook.updated":
    case "webhook.deleted":
    case "webhook.replayed":
    case "webhook.disabled":
      if (view.webhooks) void refreshWebhooks(view);
      break;
    default:
      break;
  }
  tail(view, event);
}

/** Deliveries kept in an endpoint's log; older ones are in the API. */
const DELIVERIES_KEEP = 200;

/**
 * A delivery attempt, live: on top of its endpoint's log (if that log was read), and the endpoint's
 * failing state patched from it so the list need not be re-read on every attempt.
 */
function applyDelivery(view: OrgView, delivery: WebhookDelivery): void {
  const log = view.deliveries[delivery.webhookId];
  if (log && !log.some((d) => d.id === delivery.id))
    view.deliveries[delivery.webhookId] = [delivery, ...log].slice(0, DELIVERIES_KEEP);
  const hook = view.webhooks?.find((w) => w.id === delivery.webhookId);
  if (!hook) return;
  if (delivery.status === "succeeded") {
    hook.failingSince = null;
    hook.deliveredSeq = Math.max(hook.deliveredSeq, delivery.seq);
  } else hook.failingSince ??= delivery.attemptedAt;
}

/** The audit page's live tail: matching events on top, as they happen. */
function tail(view: OrgView, event: OrgEvent): void {
  const audit = view.audit;
  if (!can(view.role, "audit.read") || !audit.loaded || !audit.tail || !matchesFilters(view, event)) return;
  if (audit.items.some((e) => e.seq === event.seq)) return;
  audit.items = [event, ...audit.items].slice(0, AUDIT_KEEP);
  audit.fresh.add(event.seq);
}

/** Reads what a section shows when it is opened (the audit log is read on demand). */
export function openSection(view: OrgView, section: string): void {
  if (section === "audit" && can(view.role, "audit.read") && !view.audit.loaded) void loadAudit(view);
  if (section === "settings" && can(view.role, "org.manage")) void refreshSettings(view);
  if (section === "billing" && can(view.role, "org.manage")) void refreshBilling(view);
  if (section === "webhooks" && can(view.role, "webhooks.manage")) void refreshWebhooks(view);
}
