import { z } from "zod";
import type { OrgEvent } from "./events.js";
import { orgRole } from "./roles.js";
import type { WebhookDelivery } from "./webhooks.js";

export const REVOCATION_REASONS = [
  "member_removed",
  "member_left",
  "org_deleted",
  "api_key_revoked",
  "session_revoked",
  /** The org requires MFA and the member has none (turned on, or the member turned theirs off). */
  "mfa_required",
] as const;
export const revocationReason = z.enum(REVOCATION_REASONS);
export type RevocationReason = z.infer<typeof revocationReason>;

/** `auth` of the handshake: `since` asks for a replay of everything after that seq. */
export const handshakeAuth = z.object({
  token: z.string().min(1).max(512),
  since: z.coerce.number().int().min(0).optional(),
});
export type HandshakeAuth = z.infer<typeof handshakeAuth>;

export const readyPayload = z.object({ orgId: z.string(), role: orgRole, seq: z.number().int().min(0) });
export type ReadyPayload = z.infer<typeof readyPayload>;

export const revokedPayload = z.object({ orgId: z.string(), reason: revocationReason });
export type RevokedPayload = z.infer<typeof revokedPayload>;

/** What the server emits on an org namespace `/orgs/<orgId>`. */
export interface ServerToClientEvents {
  event: (event: OrgEvent) => void;
  ready: (payload: ReadyPayload) => void;
  revoked: (payload: RevokedPayload) => void;
  /** A webhook delivery attempt, live, to the sockets that see owner-only events (not a log event). */
  delivery: (payload: WebhookDelivery) => void;
}

/** Clients send nothing on an org namespace; everything they change goes through HTTP. */
export type ClientToServerEvents = Record<string, never>;

export const orgNamespace = (orgId: string) => `/orgs/${orgId}`;
