import type { RevocationReason } from "../../client-sdk/src/contract/index.js";
import type { Actor } from "../core/actor.js";
import type { ConnectionGuard } from "./connection-guard.js";
import { encodeEvent, sendEncoded } from "./encoded-events.js";
import type { OrgSocket } from "./org-socket.js";
import type { AttachStanding } from "./snapshot.js";

/** The reason a socket hears when its attach finds its credential or access gone. */
export function lostAccessReason(actor: Actor, standing: AttachStanding, orgLive: boolean): RevocationReason {
  if (!orgLive) return "org_deleted";
  if (actor.type === "api_key") return "api_key_revoked";
  if (!standing.credentialLive) return "session_revoked";
  return standing.access?.mfaMissing ? "mfa_required" : "member_removed";
}

/**
 * `revoked`, then a server-side disconnect of this namespace only (the connection may hold others).
 * `revoked` goes straight to the connection when nothing is queued ahead of it (as broadcasts do,
 * ./direct-broadcast.ts): engine.io's transport stays free, so the disconnect leaves in the same
 * write rather than after the first write completes.
 */
export function tellRevoked(guard: ConnectionGuard, socket: OrgSocket, orgId: string, reason: RevocationReason) {
  sendEncoded(guard, socket, encodeEvent(socket.nsp, "revoked", { orgId, reason }));
  socket.disconnect();
}

/** Longest a revocation holds back the broadcast that follows it. */
const FLUSH_WAIT_MS = 20;

/**
 * Waits (briefly) until the revoked sockets' transports have written `revoked` and the disconnect.
 * Engine.io holds a socket's second packet until its first is written; without this wait the
 * disconnect would queue behind the broadcast that follows to every other socket.
 */
export function flushed(sockets: OrgSocket[]): Promise<void> {
  const pending = sockets
    .map((s) => s.conn.transport)
    .filter((t) => !t.writable)
    .map(
      (t) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FLUSH_WAIT_MS);
          t.once("drain", () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
  return pending.length > 0 ? Promise.all(pending).then(() => {}) : Promise.resolve();
}
