import type { Namespace, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../../client-sdk/src/contract/index.js";
import type { Actor } from "../core/actor.js";
import type { SocketView } from "./rooms.js";

/** What a socket of an org namespace carries from its handshake on. */
export interface OrgSocketData {
  orgId: string;
  actor: Actor;
  since?: number;
  /** Set once the socket is attached to its stream and in its rooms. */
  view?: SocketView;
}

export type OrgSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, OrgSocketData>;
export type OrgNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, OrgSocketData>;
