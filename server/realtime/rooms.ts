import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import type { Access, EventView } from "../access/permissions.js";
import { eventViewOf, isOwnerOnly } from "../access/permissions.js";
import type { FullEvent } from "../events/event-log.repository.js";

/**
 * Rooms inside an org namespace encode who sees what (docs/access.md), so a live event is one
 * or two room broadcasts and needs no lookup:
 * - `audit`: sees every event with `context` and `hash` (owners, audit API keys);
 * - `owners`: sees owner-only types without them (an owner-role API key without audit);
 * - `all`: every event that is not owner-only (owner, editor, viewer);
 * - `user:<id>`: events about that user (guests' own events);
 * - `project:<id>`: events of that project (guests on it).
 * Identity rooms used for revocation: `user:<id>` and `key:<id>`.
 */
export const ROOM_AUDIT = "audit";
export const ROOM_OWNERS = "owners";
export const ROOM_ALL = "all";
/** Sockets whose replay is still running: every broadcast skips them (see org-stream.ts). */
export const ROOM_REPLAYING = "replaying";
export const userRoom = (userId: string) => `user:${userId}`;
export const keyRoom = (keyId: string) => `key:${keyId}`;
export const projectRoom = (projectId: string) => `project:${projectId}`;

/** A live socket's standing in its org, recomputed whenever an event changes it. */
export interface SocketView extends EventView {
  role: Access["role"];
  projectIds: ReadonlySet<string>;
  /** The principal has MFA on: from the attach snapshot, then `member.mfa_changed` events. */
  mfaEnabled: boolean;
}

export function socketViewOf(access: Access, projectIds: Iterable<string>): SocketView {
  return { ...eventViewOf(access), role: access.role, projectIds: new Set(projectIds), mfaEnabled: access.mfaEnabled };
}

/**
 * The delivery rooms a socket with this view belongs to. Identity rooms (`user:`, `key:`) are
 * joined once at attach and never left; audit sockets sit in them too, harmlessly, since every
 * stripped broadcast excludes the audit room.
 */
export function deliveryRooms(view: SocketView): string[] {
  if (view.audit) return [ROOM_AUDIT];
  const rooms: string[] = [];
  if (view.ownerOnly) rooms.push(ROOM_OWNERS);
  if (view.orgWide) rooms.push(ROOM_ALL);
  else for (const id of view.projectIds) rooms.push(projectRoom(id));
  return rooms;
}

/** The rooms that receive the stripped envelope of `event` (the audit room always gets the full one). */
export function audienceRooms(event: FullEvent): string[] {
  if (isOwnerOnly(event.type)) return [ROOM_OWNERS];
  const rooms = [ROOM_ALL];
  if (event.subjectUserId) rooms.push(userRoom(event.subjectUserId));
  if (event.projectId) rooms.push(projectRoom(event.projectId));
  return rooms;
}

/**
 * What a socket in `rooms` receives of an applied event: the audit envelope, the stripped one, or
 * nothing. The same rule as the two broadcasts, for events sent to one socket (held or replayed).
 */
export function envelopeFor(
  rooms: ReadonlySet<string>,
  delivery: { full: OrgEvent; stripped: OrgEvent; audience: string[] },
): OrgEvent | undefined {
  if (rooms.has(ROOM_AUDIT)) return delivery.full;
  return delivery.audience.some((r) => rooms.has(r)) ? delivery.stripped : undefined;
}
