import type { OrgRole, RevocationReason } from "../../client-sdk/src/contract/index.js";
import { accessFor } from "../access/derive.js";
import type { FullEvent } from "../events/event-log.repository.js";
import type { OrgNamespace, OrgSocket } from "./org-socket.js";
import { deliveryRooms, keyRoom, projectRoom, type SocketView, socketViewOf, userRoom } from "./rooms.js";

/** How an event changes who may see the org's stream; applied in seq order, before it is sent. */
export type AccessEffect =
  | { kind: "revoke"; scope: { userId: string } | { keyId: string } | "everyone"; reason: RevocationReason }
  | { kind: "role"; userId: string; role: OrgRole }
  | { kind: "project"; userId: string; projectId: string; member: boolean }
  | { kind: "project_gone"; projectId: string };

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
    default:
      return undefined;
  }
}

/** Events whose HTTP call answers only after every node holding affected sockets applied them. */
export const changesAccess = (event: FullEvent) => accessEffectOf(event) !== undefined;

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
        const access = accessFor(socket.data.actor, orgId, effect.role);
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
  }
}

/** Moves a socket from its old view's delivery rooms to the new view's. */
function rescope(socket: OrgSocket, view: SocketView): void {
  const before = socket.data.view ? deliveryRooms(socket.data.view) : [];
  for (const room of before) socket.leave(room);
  socket.join(deliveryRooms(view));
  socket.data.view = view;
}
