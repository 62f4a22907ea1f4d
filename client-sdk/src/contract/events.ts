import { z } from "zod";
import { uuid } from "./primitives.js";
import { projectGrant } from "./projects.js";
import { resourceType } from "./resources.js";
import { apiKeyRole, orgRole, projectRole } from "./roles.js";
import { orgSettings } from "./settings.js";

export const actor = z.object({
  type: z.enum(["user", "api_key", "system"]),
  id: z.string(),
  email: z.string().optional(),
});
export type EventActor = z.infer<typeof actor>;

export const eventContext = z.object({
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type EventContext = z.infer<typeof eventContext>;

const base = {
  id: uuid,
  orgId: uuid,
  seq: z.number().int().positive(),
  occurredAt: z.string(),
  actor,
  projectId: uuid.nullable(),
  target: z.object({ type: z.string(), id: z.string() }),
  /** Present only for viewers with audit access. */
  context: eventContext.optional(),
  /** Present only for viewers with audit access. */
  hash: z.string().optional(),
};

const event = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({ ...base, type: z.literal(type), data: z.object(data) });

const userRef = { userId: uuid };

/** One entry of an org's event log (which is also its audit log), as the API shows it. */
export const orgEvent = z.discriminatedUnion("type", [
  event("org.created", { name: z.string() }),
  /** The org was renamed (settings changes are `settings.updated`). */
  event("org.updated", { name: z.string() }),
  /** Settings changed: `changed` names the fields (`authentication.requireMfa`, …); `settings` is the whole of them after. */
  event("settings.updated", { changed: z.array(z.string()).min(1), settings: orgSettings }),
  event("org.deleted", { name: z.string() }),
  event("billing.updated", { fields: z.array(z.string()) }),
  event("member.invited", {
    invitationId: uuid,
    email: z.string(),
    role: orgRole,
    projects: z.array(projectGrant).optional(),
  }),
  event("invitation.revoked", { invitationId: uuid, email: z.string() }),
  event("invitation.resent", { invitationId: uuid, email: z.string() }),
  event("member.joined", { ...userRef, email: z.string(), role: orgRole }),
  event("member.role_changed", { ...userRef, from: orgRole, to: orgRole }),
  event("member.removed", { ...userRef, reason: z.enum(["removed", "left"]) }),
  /** A member turned MFA on or off (in every org they belong to; owners only). */
  event("member.mfa_changed", { ...userRef, enabled: z.boolean() }),
  event("project.created", { name: z.string() }),
  event("project.updated", { name: z.string() }),
  event("project.deleted", { name: z.string() }),
  event("project.member_added", { ...userRef, role: projectRole }),
  event("project.member_role_changed", { ...userRef, from: projectRole, to: projectRole }),
  event("project.member_removed", { ...userRef }),
  event("resource.created", { type: resourceType, name: z.string(), config: z.record(z.string(), z.unknown()) }),
  event("resource.updated", { type: resourceType, name: z.string(), config: z.record(z.string(), z.unknown()) }),
  event("resource.deleted", { type: resourceType, name: z.string() }),
  event("api_key.created", { name: z.string(), role: apiKeyRole, audit: z.boolean() }),
  event("api_key.revoked", { name: z.string(), reason: z.enum(["revoked", "creator_removed", "expired"]) }),
  event("audit.exported", { format: z.enum(["csv", "ndjson"]), count: z.number().int() }),
  event("webhook.created", { url: z.string(), events: z.array(z.string()) }),
  /** `fields` names what changed among `url`, `events`, `enabled`, `description`. */
  event("webhook.updated", {
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    fields: z.array(z.string()),
  }),
  event("webhook.deleted", { url: z.string() }),
  event("webhook.replayed", { url: z.string(), since: z.number().int() }),
  /** Orgwire turned the endpoint off after about 24 h of failed retries on event `seq`. */
  event("webhook.disabled", { url: z.string(), seq: z.number().int(), failingSince: z.string() }),
]);
export type OrgEvent = z.infer<typeof orgEvent>;
export type EventType = OrgEvent["type"];
export type EventOf<T extends EventType> = Extract<OrgEvent, { type: T }>;
export type EventData<T extends EventType> = EventOf<T>["data"];

export const EVENT_TYPES = orgEvent.options.map((o) => o.shape.type.value) as EventType[];

/** Types only owners (and audit viewers) receive. */
export const OWNER_ONLY_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "api_key.created",
  "api_key.revoked",
  "billing.updated",
  "member.invited",
  "member.mfa_changed",
  "invitation.revoked",
  "invitation.resent",
  "audit.exported",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "webhook.replayed",
  "webhook.disabled",
]);
