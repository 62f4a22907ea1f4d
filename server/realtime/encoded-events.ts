import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import type { ConnectionGuard } from "./connection-guard.js";
import type { OrgSocket } from "./org-socket.js";
import { websocketFrame } from "./ws-frames.js";

/** socket.io-parser's packet type of an event (`PacketType.EVENT`). */
export const EVENT_PACKET = 2;

interface Encoded {
  packets: unknown[];
  /** The finished websocket frame, when the packet is text (see ./ws-frames.ts). */
  frame: Buffer | undefined;
}

/**
 * Replays hand the same few envelopes (a recent event's full and stripped forms, see
 * ./recent-events.ts) to thousands of sockets when a storm resumes. `socket.emit` would encode
 * each one again for every socket; here each envelope is encoded once (for its namespace), as
 * Socket.IO's own broadcasts are, and its frame is written straight to the connection when nothing
 * is queued ahead of it (as broadcasts are, ./direct-broadcast.ts), else handed to engine.io.
 */
export class EncodedEvents {
  readonly #encoded = new WeakMap<OrgEvent, Encoded>();

  /** Sends `event` to the socket as `socket.emit("event", event)` would. */
  send(guard: ConnectionGuard, socket: OrgSocket, event: OrgEvent): void {
    if (!socket.connected) return;
    let encoded = this.#encoded.get(event);
    if (!encoded) {
      const nsp = socket.nsp;
      const packets = nsp.server.encoder.encode({ type: EVENT_PACKET, nsp: nsp.name, data: ["event", event] });
      encoded = { packets, frame: websocketFrame(packets) };
      this.#encoded.set(event, encoded);
    }
    if (encoded.frame && guard.writeFrame(socket.conn, encoded.frame)) return;
    socket.client._packet(encoded.packets as never, { preEncoded: true });
  }
}
