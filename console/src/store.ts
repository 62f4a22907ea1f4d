import type {
  ApiKey,
  AuditFilters,
  BillingProfile,
  CreatedApiKey,
  CreatedWebhook,
  Invitation,
  InvitationPreview,
  Member,
  OrgEvent,
  OrgRole,
  OrgSettings,
  Project,
  ProjectMember,
  RecoveryCodes,
  Resource,
  Session,
  SubscriptionStatus,
  TotpEnrolment,
  User,
  Webhook,
  WebhookDelivery,
} from "../../client-sdk/src/index.js";

/** The sections of an organization, in the order of the navigation. */
export const SECTIONS = ["projects", "members", "audit", "api-keys", "webhooks", "settings", "billing"] as const;
export type Section = (typeof SECTIONS)[number];

export type Route =
  | { page: "signin"; next?: string }
  | { page: "signup"; next?: string; email?: string }
  | { page: "orgs" }
  | { page: "org"; orgId: string; section: Section }
  | { page: "invite"; token: string }
  | { page: "account" }
  | { page: "not-found" };

export interface OrgSummary {
  id: string;
  name: string;
  role: OrgRole;
}

export interface AuditView {
  /** Newest first. */
  items: OrgEvent[];
  cursor: string | null;
  filters: AuditFilters;
  /** Prepend matching live events. */
  tail: boolean;
  loaded: boolean;
  /** Seqs that arrived live, highlighted once. */
  fresh: Set<number>;
  verify?: { ok: boolean; text: string };
  busy?: string;
}

/** Everything the page shows about the open organization; dropped whole when access ends. */
export interface OrgView {
  id: string;
  name: string;
  role: OrgRole;
  members?: Member[];
  /** The member list has more than one page: what it shows is not everyone. */
  membersTruncated?: boolean;
  invitations?: Invitation[];
  projects?: Project[];
  resources: Record<string, Resource[]>;
  projectMembers: Record<string, ProjectMember[]>;
  apiKeys?: ApiKey[];
  /** The secret of the key just created, shown once. */
  newKey?: CreatedApiKey;
  audit: AuditView;
  /** The project whose rename form is open. */
  renaming?: string;
  /** The organization's settings (owners: read on the settings page, kept live from `settings.updated`). */
  settings?: OrgSettings;
  /** The billing profile (owners, read on the billing page). */
  billing?: BillingProfile;
  /** Webhook endpoints (owners, read on the webhooks page, re-read on `webhook.*` events). */
  webhooks?: Webhook[];
  /** The endpoint just created and its signing secret, shown once. */
  newWebhook?: CreatedWebhook;
  /** Delivery logs read so far, per endpoint, newest first; kept live from the socket's `delivery` messages. */
  deliveries: Record<string, WebhookDelivery[]>;
  /** The endpoint whose delivery log is open, and the one whose event filters are being edited. */
  openWebhook?: string;
  editingWebhook?: string;
  /** What the owner typed to confirm deleting the organization. */
  deleteConfirm?: string;
  /** The latest request per list: an older answer never overwrites a newer one. */
  generations: Map<string, number>;
}

/** The account page: MFA enrolment, the sessions. Dropped at sign-out. */
export interface AccountView {
  /** An enrolment started and not yet confirmed: the secret, shown until confirmed. */
  enrolment?: TotpEnrolment;
  /** Codes just issued at confirmation, shown this once. */
  recoveryCodes?: RecoveryCodes["recoveryCodes"];
  sessions?: Session[];
  /** The list has more than one page: what it shows is not every session. */
  sessionsTruncated?: boolean;
  /** Turning MFA off: with a recovery code instead of an app code. */
  disableWithRecovery?: boolean;
}

/** The MFA step of a sign-in: the password was right, a code is asked for. */
export interface MfaStep {
  challenge: string;
  expiresAt: string;
  /** Asks for a recovery code instead of an app code. */
  recovery: boolean;
}

export interface Notice {
  kind: "info" | "error";
  text: string;
}

export interface State {
  route: Route;
  /** Until the stored token has been checked. */
  booting: boolean;
  user?: User;
  /** Whether the signed-in user has MFA on (from `GET /v1/me`). */
  mfaEnabled?: boolean;
  orgs: OrgSummary[];
  account?: AccountView;
  /** Set between a right password and the code, at sign-in. */
  mfaStep?: MfaStep;
  org?: OrgView;
  live: { status: SubscriptionStatus; seq?: number };
  /** The organization requires MFA and the user has none: its page says so and links to enrol. */
  mfaBlocked?: { orgId: string; name: string };
  /** Why the open organization is gone (revoked, refused): an alert instead of its data. */
  lost?: { orgId: string; text: string };
  notice?: Notice;
  invite?: { token: string; preview?: InvitationPreview; error?: string };
}

export const state: State = {
  route: { page: "orgs" },
  booting: true,
  orgs: [],
  live: { status: "closed" },
};

export function newOrgView(summary: OrgSummary): OrgView {
  return {
    ...summary,
    resources: {},
    projectMembers: {},
    deliveries: {},
    audit: { items: [], cursor: null, filters: {}, tail: true, loaded: false, fresh: new Set() },
    generations: new Map(),
  };
}

let renderer: (() => void) | undefined;
let scheduled = false;

/** Called once by main: what `update` runs. */
export function setRenderer(render: () => void): void {
  renderer = render;
}

/** Re-renders after the current task's state changes (one render per burst). */
export function update(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    renderer?.();
  });
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * A message in the page's status region. Information fades after a while; an error stays until
 * the next action succeeds or the user goes to another page (`clearError`).
 */
export function notify(kind: Notice["kind"], text: string): void {
  state.notice = { kind, text };
  clearTimeout(noticeTimer);
  if (kind === "info") {
    noticeTimer = setTimeout(() => {
      if (state.notice?.text === text) state.notice = undefined;
      update();
    }, 6000);
  }
  update();
}

/** The error of an earlier attempt or page no longer applies (a later action worked, another page). */
export function clearError(): void {
  if (state.notice?.kind !== "error") return;
  state.notice = undefined;
  update();
}
