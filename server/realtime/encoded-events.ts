import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import type { OrgSocket } from "./org-socket.js";

/** socket.io-parser's packet type of an event (`PacketType.EVENT`). */
const EVENT_PACKET = 2;

/**
 * Replays hand the same few envelopes (a recent event's full and stripped forms, see
 * ./recent-events.ts) to thousands of sockets when a storm resumes. `socket.emit` would encode
 * each one again for every socket; here each envelope is encoded once (for its namespace), as
 * Socket.IO's own broadcasts are, and handed to each socket's connection as it is.
 */
export class EncodedEvents {
  readonly #packets = new WeakMap<OrgEvent, unknown[]>();

  /** Sends `event` to the socket as `socket.emit("event", event)` would. */
  send(socket: OrgSocket, event: OrgEvent): void {
    if (!socket.connected) return;
    let packets = this.#packets.get(event);
    if (!packets) {
      const nsp = socket.nsp;
      packets = nsp.server.encoder.encode({ type: EVENT_PACKET, nsp: nsp.name, data: ["event", event] });
      this.#packets.set(event, packets);
    }
    socket.client._packet(packets as never, { preEncoded: true });
  }
}
