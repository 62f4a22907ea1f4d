import WebSocket from "ws";

type FrameOptions = { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean };
/** `ws` builds frames with `Sender.frame`, which its type declarations leave out. */
const { Sender } = WebSocket as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/**
 * The websocket frame a server sends for an already encoded Socket.IO packet (engine.io message
 * type "4", one unmasked text frame), as Socket.IO's own adapter builds it for a broadcast; absent
 * when the packet has binary parts, which go through engine.io.
 */
export function websocketFrame(encoded: readonly unknown[]): Buffer | undefined {
  if (encoded.length !== 1 || typeof encoded[0] !== "string") return undefined;
  const data = Buffer.from(`4${encoded[0]}`);
  return Buffer.concat(Sender.frame(data, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true }));
}
