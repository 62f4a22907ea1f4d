import { OrgwireError } from "../../client-sdk/src/errors.js";
import type { OrgEvent, RevocationReason } from "../../client-sdk/src/index.js";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export const when = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : "—");
export const day = (iso: string | null | undefined): string => (iso ? dateOnly.format(new Date(iso)) : "never");
/** An audit time: the date once, then the seconds that tell entries apart. */
export const stamp = (iso: string): string => `${dateOnly.format(new Date(iso))} ${timeOnly.format(new Date(iso))}`;

/** What the page says when the open organization's access ends. */
export function lostMessage(orgName: string, reason: RevocationReason | "forbidden"): string {
  switch (reason) {
    case "member_removed":
      return `You were removed from ${orgName} by an owner.`;
    case "member_left":
      return `You left ${orgName}.`;
    case "org_deleted":
      return `${orgName} was deleted by an owner.`;
    case "session_revoked":
      return "Your session ended. Sign in again.";
    case "api_key_revoked":
      return `Your access to ${orgName} was revoked.`;
    case "mfa_required":
      return `${orgName} requires MFA: turn it on in your account, then open it again.`;
    case "forbidden":
      return `You don't have access to ${orgName}.`;
  }
}

const CODE_MESSAGES: Record<string, string> = {
  last_owner: "An organization needs at least one owner: make someone else owner first.",
  already_member: "That person is already a member.",
  domain_not_allowed: "That email's domain is not allowed in this organization.",
  rate_limited: "Too many attempts. Wait a moment and try again.",
  gone: "This invitation was used or has expired.",
  network: "The server can't be reached. Check the connection and try again.",
  mfa_required: "This organization requires MFA: turn it on in your account first.",
  mfa_required_for_you: "You can't require MFA without it yourself: turn MFA on in your account (Account page) first.",
};

/** An error in words, for the status region. */
export function errorText(error: unknown): string {
  if (!(error instanceof OrgwireError)) return error instanceof Error ? error.message : String(error);
  const known = CODE_MESSAGES[error.code];
  if (known) return known;
  if (error.code === "invalid_request" && Array.isArray(error.details)) {
    const issue = error.details[0] as { path?: (string | number)[]; message?: string } | undefined;
    if (issue?.message) return `${issue.path?.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`;
  }
  return error.message;
}

/** One audit entry in words; `name` turns a user id into what the viewer knows of them. */
export function describe(event: OrgEvent, name: (userId: string) => string): string {
  switch (event.type) {
    case "org.created":
      return `created the organization ${event.data.name}`;
    case "org.updated":
      return `renamed the organization to ${event.data.name}`;
    case "settings.updated":
      return `changed the settings (${event.data.changed.join(", ")})`;
    case "org.deleted":
      return `deleted the organization ${event.data.name}`;
    case "billing.updated":
      return `updated billing (${event.data.fields.join(", ")})`;
    case "member.invited":
      return `invited ${event.data.email} as ${event.data.role}`;
    case "invitation.revoked":
      return `revoked the invitation of ${event.data.email}`;
    case "invitation.resent":
      return `resent the invitation of ${event.data.email}`;
    case "member.joined":
      return `${event.data.email} joined as ${event.data.role}`;
    case "member.role_changed":
      return `changed ${name(event.data.userId)} from ${event.data.from} to ${event.data.to}`;
    case "member.removed":
      return event.data.reason === "left" ? `${name(event.data.userId)} left` : `removed ${name(event.data.userId)}`;
    case "member.mfa_changed":
      return `${name(event.data.userId)} turned MFA ${event.data.enabled ? "on" : "off"}`;
    case "project.created":
      return `created project ${event.data.name}`;
    case "project.updated":
      return `renamed a project to ${event.data.name}`;
    case "project.deleted":
      return `deleted project ${event.data.name}`;
    case "project.member_added":
      return `made ${name(event.data.userId)} project ${event.data.role}`;
    case "project.member_role_changed":
      return `changed ${name(event.data.userId)}'s project role to ${event.data.to}`;
    case "project.member_removed":
      return `took ${name(event.data.userId)} off a project`;
    case "resource.created":
      return `created ${event.data.type} ${event.data.name}`;
    case "resource.updated":
      return `updated ${event.data.type} ${event.data.name}`;
    case "resource.deleted":
      return `deleted ${event.data.type} ${event.data.name}`;
    case "api_key.created":
      return `created API key ${event.data.name} (${event.data.role}${event.data.audit ? ", audit" : ""})`;
    case "api_key.revoked":
      return `API key ${event.data.name} revoked (${event.data.reason.replace("_", " ")})`;
    case "audit.exported":
      return `exported ${event.data.count} audit entries as ${event.data.format.toUpperCase()}`;
    case "webhook.created":
      return `added webhook ${event.data.url} (${event.data.events.join(", ")})`;
    case "webhook.updated":
      return `changed webhook ${event.data.url} (${event.data.fields.join(", ")})`;
    case "webhook.deleted":
      return `deleted webhook ${event.data.url}`;
    case "webhook.replayed":
      return `replayed webhook ${event.data.url} from seq ${event.data.since}`;
    case "webhook.disabled":
      return `webhook ${event.data.url} turned off: failing since ${event.data.failingSince}`;
  }
}

/** Who did it: an email, else the kind of actor. */
export function actorText(event: OrgEvent): string {
  if (event.actor.email) return event.actor.email;
  if (event.actor.type === "system") return "system";
  return `${event.actor.type === "api_key" ? "API key" : "user"} ${event.actor.id.slice(0, 8)}`;
}
