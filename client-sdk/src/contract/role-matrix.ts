/**
 * The role matrix: which org roles may do what. Plain data with no schema library, so the server
 * (`server/access/permissions.ts`), the console and SDK users all read this one table. The server
 * decides; clients use it only to hide what would be refused. docs/access.md says it in prose.
 */
export const ROLE_MATRIX = {
  /** See the org's name and one's own role. */
  "org.read": ["owner", "editor", "viewer", "guest"],
  /** See settings, the member list, all projects and resources, org-wide events. */
  "org.read_all": ["owner", "editor", "viewer"],
  "projects.write": ["owner", "editor"],
  /** Project editors may too, on their projects (users only, never through an API key). */
  "resources.write": ["owner", "editor"],
  /** Members, invitations, roles, settings, billing. */
  "org.manage": ["owner"],
  "org.delete": ["owner"],
  /** Create, list and revoke API keys; never with an API key. */
  "api_keys.manage": ["owner"],
  /** Create, list, change, replay and delete webhooks; see their deliveries (owner-role API keys too). */
  "webhooks.manage": ["owner"],
  /** The audit log, and events' context and hash (API keys: `audit: true` and an owner creator). */
  "audit.read": ["owner"],
  /** Change `settings.auditRetentionDays`: a short retention erases history, so never with an API key. */
  "audit.retention": ["owner"],
} as const satisfies Record<string, readonly ("owner" | "editor" | "viewer" | "guest")[]>;

export type Permission = keyof typeof ROLE_MATRIX;

/** What no API key may do, whatever its role: mint keys, delete the org, shorten the audit history. */
export const API_KEYS_NEVER: readonly Permission[] = ["org.delete", "api_keys.manage", "audit.retention"];

/** Whether an org role carries a permission (before API-key limits and project roles). */
export function roleCan(role: string | undefined, permission: Permission): boolean {
  return role !== undefined && (ROLE_MATRIX[permission] as readonly string[]).includes(role);
}
