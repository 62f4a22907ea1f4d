import type { ApiKeysTable } from "../api-keys/api-keys.table.js";
import type { SessionsTable, UsersTable } from "../auth/auth.table.js";
import type { BillingProfilesTable } from "../billing/billing.table.js";
import type { EventHeadsTable, EventsTable } from "../events/events.table.js";
import type { InvitationsTable } from "../invitations/invitations.table.js";
import type { MembershipsTable } from "../members/members.table.js";
import type { OrgsTable } from "../orgs/orgs.table.js";
import type { ProjectMembersTable, ProjectsTable } from "../projects/projects.table.js";
import type { ResourcesTable } from "../resources/resources.table.js";

/** Every table, as Kysely sees it; each domain owns its table types. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
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
}
