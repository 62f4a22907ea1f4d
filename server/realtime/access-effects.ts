import type { RevocationReason } from "../../client-sdk/src/contract/index.js";
import type { FullEvent } from "../events/event-log.repository.js";

/** How an event changes who may see the org's stream; applied in seq order, before it is sent. */
export type AccessEffect =
  | { kind: "revoke"; scope: { userId: string } | { keyId: string } | "everyone"; reason: RevocationReason }
  | { kind: "role"; userId: string; role: import("../../client-sdk/src/contract/index.js").OrgRole }
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
