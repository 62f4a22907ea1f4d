import WebSocket from "ws";

/**
 * A Socket.IO peer spoken at the wire level (Engine.IO v4 over one websocket), for what the real
 * client never does: the same namespace CONNECT many times, floods, and a reader that stops
 * reading while the server keeps writing.
 */
export interface RawConnection {
  ws: WebSocket;
  /** Every text frame received, in order. */
  frames: string[];
  /** Sends a namespace CONNECT packet with `auth`. */
  connect(namespace: string, auth: Record<string, unknown>): void;
  /** Frames of one packet kind on one namespace: "0" connect, "4" connect error, "2" event. */
  packets(kind: "0" | "2" | "4", namespace: string): string[];
  /**
   * Stops reading from the TCP socket for good (ws would resume a merely paused socket): the
   * kernel buffers fill, then the server's writes back up.
   */
  stall(): void;
  closed: Promise<void>;
  close(): void;
}

export async function openRaw(url: string): Promise<RawConnection> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === "2")
        ws.send("3"); // answer pings while we read
      else if (text.startsWith("0")) resolve();
      frames.push(text);
    });
  });
  const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  await opened;
  return {
    ws,
    frames,
    connect(namespace, auth) {
      ws.send(`40${namespace},${JSON.stringify(auth)}`);
    },
    packets(kind, namespace) {
      return frames.filter((f) => f.startsWith(`4${kind}${namespace},`));
    },
    stall() {
      const socket = (ws as unknown as { _socket: import("node:net").Socket })._socket;
      socket.removeAllListeners("data");
      socket.pause();
    },
    closed,
    close() {
      ws.terminate();
    },
  };
}
