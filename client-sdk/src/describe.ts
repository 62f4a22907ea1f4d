import type { OrgEvent } from "./contract/index.js";

/**
 * One line of plain English for an event, for logs, tails and activity feeds. Ids are shown as
 * they are: resolve them to names in the view if needed.
 *
 * @example
 * client.subscribe(orgId, { onEvent: (e) => console.log(`#${e.seq} ${describeEvent(e)}`) });
 */
export function describeEvent(event: OrgEvent): string {
  const who = event.actor.email ?? `${event.actor.type} ${event.actor.id}`;
  switch (event.type) {
    case "org.created":
      return `${who} created the organization ${event.data.name}`;
    case "org.updated":
      return `${who} renamed the organization to ${event.data.name}`;
    case "settings.updated":
      return `${who} changed the settings: ${event.data.changed.join(", ")}`;
    case "org.deleted":
      return `${who} deleted the organization ${event.data.name}`;
    case "billing.updated":
      return `${who} updated billing: ${event.data.fields.join(", ") || "no change"}`;
    case "member.invited":
      return `${who} invited ${event.data.email} as ${event.data.role}`;
    case "invitation.revoked":
      return `${who} revoked the invitation of ${event.data.email}`;
    case "invitation.resent":
      return `${who} resent the invitation of ${event.data.email}`;
    case "member.joined":
      return `${event.data.email} joined as ${event.data.role}`;
    case "member.role_changed":
      return `${who} changed ${event.data.userId} from ${event.data.from} to ${event.data.to}`;
    case "member.removed":
      return event.data.reason === "left" ? `${event.data.userId} left` : `${who} removed ${event.data.userId}`;
    case "member.mfa_changed":
      return `${who} turned MFA ${event.data.enabled ? "on" : "off"}`;
    case "project.created":
    case "project.updated":
    case "project.deleted":
      return `${who} ${event.type.slice("project.".length)} the project ${event.data.name}`;
    case "project.member_added":
      return `${who} added ${event.data.userId} to project ${event.projectId} as ${event.data.role}`;
    case "project.member_role_changed":
      return `${who} made ${event.data.userId} ${event.data.to} on project ${event.projectId}`;
    case "project.member_removed":
      return `${who} removed ${event.data.userId} from project ${event.projectId}`;
    case "resource.created":
    case "resource.updated":
    case "resource.deleted":
      return `${who} ${event.type.slice("resource.".length)} the ${event.data.type} ${event.data.name}`;
    case "api_key.created":
      return `${who} created the API key ${event.data.name} (${event.data.role}${event.data.audit ? ", audit" : ""})`;
    case "api_key.revoked":
      return `the API key ${event.data.name} was revoked (${event.data.reason.replace("_", " ")})`;
    case "audit.exported":
      return `${who} exported ${event.data.count} audit entries as ${event.data.format}`;
    case "webhook.created":
      return `${who} added the webhook ${event.data.url} (${event.data.events.join(", ")})`;
    case "webhook.updated":
      return `${who} changed the webhook ${event.data.url}: ${event.data.fields.join(", ")}`;
    case "webhook.deleted":
      return `${who} deleted the webhook ${event.data.url}`;
    case "webhook.replayed":
      return `${who} replayed the webhook ${event.data.url} from seq ${event.data.since}`;
    case "webhook.disabled":
      return `the webhook ${event.data.url} was turned off after failing since ${event.data.failingSince} (seq ${event.data.seq})`;
  }
}
