import type { OrgRole, RevocationReason } from "../../client-sdk/src/contract/index.js";
import { accessFor, isMfaMissing, settingsRequireMfa } from "../access/derive.js";
import type { FullEvent } from "../events/event-log.repository.js";
import type { OrgNamespace, OrgSocket } from "./org-socket.js";
import { deliveryRooms, keyRoom, projectRoom, type SocketView, socketViewOf, userRoom } from "./rooms.js";

/** How an event changes who may see the org's stream; applied in seq order, before it is sent. */
export type AccessEffect =
  | { kind: "revoke"; scope: { userId: string } | { keyId: string } | "everyone"; reason: RevocationReason }
  | { kind: "role"; userId: string; role: OrgRole }
  | { kind: "project"; userId: string; projectId: string; member: boolean }
  | { kind: "project_gone"; projectId: string }
  /** The org's settings changed: `requireMfa` is now `required` (revokes members without MFA when on). */
  | { kind: "require_mfa"; required: boolean }
  /** A member turned MFA on or off (off revokes them where the org requires it). */
  | { kind: "mfa"; userId: string; enabled: boolean };

/** What a stream knows of its org beyond its sockets: its MFA requirement, as of its cursor. */
export interface OrgAccessState {
  requireMfa: boolean;
}

export function accessEffectOf(event: FullEvent): AccessEffect | undefined {
  switch (event.type) {
    case "member.removed":
      return {
        kind: "revoke",
        scope: { userId: event.data.userId },
        reason: event.data.reason === "left" ? "member_left" : "member_removed",
      };
    case "org.deleted":
      return { kind: "revoke", scope: "everyone", reason: "org_deleted" };
    case "api_key.revoked":
      return { kind: "revoke", scope: { keyId: event.target.id }, reason: "api_key_revoked" };
    case "member.role_changed":
      return { kind: "role", userId: event.data.userId, role: event.data.to };
    case "project.member_added":
      return { kind: "project", userId: event.data.userId, projectId: event.projectId ?? "", member: true };
    case "project.member_removed":
      return { kind: "project", userId: event.data.userId, projectId: event.projectId ?? "", member: false };
    case "project.deleted":
      return { kind: "project_gone", projectId: event.projectId ?? event.target.id };
    case "settings.updated":
      // `settings` is the whole of them after the change; only the requirement concerns access.
      return event.data.changed.includes("authentication.requireMfa")
        ? { kind: "require_mfa", required: settingsRequireMfa(event.data.settings) }
        : undefined;
    case "member.mfa_changed":
      return { kind: "mfa", userId: event.data.userId, enabled: event.data.enabled };
    default:
      return undefined;
  }
}

/**
 * Events whose HTTP call answers only after every node holding affected sockets applied them: all
 * with an access effect but those that can only widen access (MFA turned on, or no longer required).
 */
export function changesAccess(event: FullEvent): boolean {
  const effect = accessEffectOf(event);
  if (effect?.kind === "require_mfa") return effect.required;
  if (effect?.kind === "mfa") return !effect.enabled;
  return effect !== undefined;
}

/**
 * Applies an access change to an org namespace's sockets on this node: revokes (through `revoke`)
 * or re-scopes the sockets it concerns, found through their identity and project rooms. Returns
 * the sockets it revoked.
 */
export function applyAccessEffect(
  nsp: OrgNamespace,
  orgId: string,
  effect: AccessEffect,
  revoke: (socket: OrgSocket, reason: RevocationReason) => void,
  org: OrgAccessState,
): OrgSocket[] {
  const socketsIn = (room: string): OrgSocket[] => {
    const ids = nsp.adapter.rooms.get(room);
    return ids ? [...ids].flatMap((id) => nsp.sockets.get(id) ?? []) : [];
  };
  switch (effect.kind) {
    case "revoke": {
      const sockets =
        effect.scope === "everyone"
          ? [...nsp.sockets.values()]
          : socketsIn("userId" in effect.scope ? userRoom(effect.scope.userId) : keyRoom(effect.scope.keyId));
      // A member's API keys go with them: their sockets hear it as the key's revocation.
      for (const socket of sockets) {
        revoke(
          socket,
          socket.data.actor.type === "api_key" && effect.scope !== "everyone" ? "api_key_revoked" : effect.reason,
        );
      }
      return sockets;
    }
    case "role":
      for (const socket of socketsIn(userRoom(effect.userId))) {
        const view = socket.data.view;
        if (!view) continue;
        const access = accessFor(socket.data.actor, orgId, effect.role, {
          orgRequiresMfa: org.requireMfa,
          principalHasMfa: view.mfaEnabled,
        });
        rescope(socket, socketViewOf(access, view.projectIds));
      }
      return [];
    case "project":
      for (const socket of socketsIn(userRoom(effect.userId))) {
        const view = socket.data.view;
        if (!view) continue;
        const projectIds = new Set(view.projectIds);
        if (effect.member) projectIds.add(effect.projectId);
        else projectIds.delete(effect.projectId);
        rescope(socket, { ...view, projectIds });
      }
      return [];
    case "project_gone":
      for (const socket of socketsIn(projectRoom(effect.projectId))) {
        const view = socket.data.view;
        if (!view) continue;
        const projectIds = new Set(view.projectIds);
        projectIds.delete(effect.projectId);
        rescope(socket, { ...view, projectIds });
      }
      return [];
    case "require_mfa": {
      org.requireMfa = effect.required;
      if (!effect.required) return [];
      const sockets = [...nsp.sockets.values()].filter((s) => s.data.view && lacksMfa(s, org, s.data.view.mfaEnabled));
      for (const socket of sockets) revoke(socket, "mfa_required");
      return sockets;
    }
    case "mfa": {
      const revoked: OrgSocket[] = [];
      for (const socket of socketsIn(userRoom(effect.userId))) {
        const view = socket.data.view;
        if (!view) continue;
        socket.data.view = { ...view, mfaEnabled: effect.enabled };
        if (lacksMfa(socket, org, effect.enabled)) revoked.push(socket);
      }
      for (const socket of revoked) revoke(socket, "mfa_required");
      return revoked;
    }
  }
}

/** The org's MFA requirement shuts this socket out (never an API key's: keys are not people). */
const lacksMfa = (socket: OrgSocket, org: OrgAccessState, principalHasMfa: boolean) =>
  isMfaMissing(socket.data.actor.type === "api_key", { orgRequiresMfa: org.requireMfa, principalHasMfa });

/** Moves a socket from its old view's delivery rooms to the new view's. */
function rescope(socket: OrgSocket, view: SocketView): void {
  const before = socket.data.view ? deliveryRooms(socket.data.view) : [];
  for (const room of before) socket.leave(room);
  socket.join(deliveryRooms(view));
  socket.data.view = view;
}
