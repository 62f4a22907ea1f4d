import { Adapter, type BroadcastOptions } from "socket.io-adapter";
import type { ConnectionGuard } from "./connection-guard.js";
import { websocketFrame } from "./ws-frames.js";

type Packet = Parameters<Adapter["broadcast"]>[0];
interface PacketOptions {
  preEncoded: true;
  compress?: boolean;
  /** The websocket frame, for recipients that take engine.io's road (it writes the frame as it is). */
  wsPreEncodedFrame?: Buffer[];
}
interface Recipient {
  notifyOutgoingListeners?: (packet: Packet) => void;
  client: { conn: Parameters<ConnectionGuard["writeFrame"]>[0]; writeToEngine(p: unknown[], o: PacketOptions): void };
}

/**
 * Socket.IO's in-memory adapter, with a shorter road for each recipient of a broadcast. The stock
 * adapter encodes a broadcast once, then hands it to every recipient's engine.io connection, which
 * queues it, flushes it, emits five events and schedules a callback for it: more CPU per recipient
 * than the write itself. Here the finished frame goes straight to each recipient's TCP socket when
 * nothing is queued ahead of it (`ConnectionGuard.writeFrame`), and through engine.io otherwise.
 * See ./README.md, "Fan-out".
 */
export function directBroadcastAdapter(guard: ConnectionGuard): typeof Adapter {
  return class DirectBroadcastAdapter extends Adapter {
    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      const flags = opts.flags ?? {};
      // Volatile packets are dropped when the transport is busy: engine.io's rule, kept as it is.
      if (flags.volatile) {
        super.broadcast(packet, opts);
        return;
      }
      packet.nsp = this.nsp.name;
      const encoded = (this as unknown as { encoder: { encode(p: Packet): unknown[] } }).encoder.encode(packet);
      const frame = websocketFrame(encoded);
      const packetOpts: PacketOptions = { preEncoded: true, compress: flags.compress };
      if (frame) packetOpts.wsPreEncodedFrame = [frame];
      const self = this as unknown as { apply(o: BroadcastOptions, each: (s: Recipient) => void): void };
      self.apply(opts, (socket) => {
        socket.notifyOutgoingListeners?.(packet);
        if (frame && guard.writeFrame(socket.client.conn, frame)) return;
        socket.client.writeToEngine(encoded, packetOpts);
      });
    }
  };
}
