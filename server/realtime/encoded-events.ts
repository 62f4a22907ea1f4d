import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import type { ConnectionGuard } from "./connection-guard.js";
import type { OrgSocket } from "./org-socket.js";
import { websocketFrame } from "./ws-frames.js";

/** socket.io-parser's packet type of an event (`PacketType.EVENT`). */
const EVENT_PACKET = 2;

export interface Encoded {
  packets: unknown[];
  /** The finished websocket frame, when the packet is text (see ./ws-frames.ts). */
  frame: Buffer | undefined;
}

/** `socket.emit(name, payload)`'s packet for the namespace, encoded, with its frame. */
export function encodeEvent(nsp: OrgSocket["nsp"], name: string, payload: unknown): Encoded {
  const packets = nsp.server.encoder.encode({ type: EVENT_PACKET, nsp: nsp.name, data: [name, payload] });
  return { packets, frame: websocketFrame(packets) };
}

/**
 * Sends an encoded packet to one socket: its frame straight to the connection when nothing is
 * queued ahead of it (as broadcasts are, ./direct-broadcast.ts), else through engine.io.
 */
export function sendEncoded(guard: ConnectionGuard, socket: OrgSocket, encoded: Encoded): void {
  if (encoded.frame && guard.writeFrame(socket.conn, encoded.frame)) return;
  socket.client._packet(encoded.packets as never, { preEncoded: true });
}

/**
 * Replays hand the same few envelopes (a recent event's full and stripped forms, see
 * ./recent-events.ts) to thousands of sockets when a storm resumes. `socket.emit` would encode
 * each one again for every socket; here each envelope is encoded once (for its namespace), as
 * Socket.IO's own broadcasts are, and sent with `sendEncoded`.
 */
export class EncodedEvents {
  readonly #encoded = new WeakMap<OrgEvent, Encoded>();

  /** Sends `event` to the socket as `socket.emit("event", event)` would. */
  send(guard: ConnectionGuard, socket: OrgSocket, event: OrgEvent): void {
    if (!socket.connected) return;
    let encoded = this.#encoded.get(event);
    if (!encoded) {
      encoded = encodeEvent(socket.nsp, "event", event);
      this.#encoded.set(event, encoded);
    }
    sendEncoded(guard, socket, encoded);
  }
}
