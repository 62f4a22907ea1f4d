import type { ApiKeysTable } from "./tables/api-keys.table.js";
import type {
  LoginChallengesTable,
  MfaRecoveryCodesTable,
  MfaTotpTable,
  SessionsTable,
  UsersTable,
} from "./tables/auth.table.js";
import type { BillingProfilesTable } from "./tables/billing.table.js";
import type { EventHeadsTable, EventsTable } from "./tables/events.table.js";
import type { InvitationsTable } from "./tables/invitations.table.js";
import type { MembershipsTable } from "./tables/members.table.js";
import type { OrgsTable } from "./tables/orgs.table.js";
import type { ProjectMembersTable, ProjectsTable } from "./tables/projects.table.js";
import type { ResourcesTable } from "./tables/resources.table.js";
import type {
  NotificationCursorsTable,
  NotificationMailsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from "./tables/webhooks.table.js";

/** Every table, as Kysely sees it; each domain owns its table types. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  orgs: OrgsTable;
  memberships: MembershipsTable;
  event_heads: EventHeadsTable;
  events: EventsTable;
  api_keys: ApiKeysTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  resources: ResourcesTable;
  invitations: InvitationsTable;
  billing_profiles: BillingProfilesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  notification_cursors: NotificationCursorsTable;
  notification_mails: NotificationMailsTable;
}
