/**
 * The audience of the realtime bench, in its own process so that decoding 2,000 events does not
 * delay what the parent measures. It opens the sockets it is told to, and reports (over IPC) the
 * wall-clock instant at which the last of them received each event.
 */
import type { Socket } from "socket.io-client";
import { openSockets } from "./support.js";

type Open = { type: "open"; system: string; targets: { url: string; auth: Record<string, unknown> }[] };
type Message = Open | { type: "close" };

const now = () => performance.timeOrigin + performance.now();
const sockets = new Map<string, Socket[]>();

process.on("message", async (message: Message) => {
  if (message.type === "close") {
    for (const list of sockets.values()) for (const s of list) s.close();
    process.exit(0);
  }
  const { system, targets } = message;
  const list = await openSockets(targets.length, (i) => targets[i]!);
  sockets.set(system, list);
  const counts = new Map<number, number>();
  for (const s of list) {
    s.on("event", (e: { seq: number }) => {
      const n = (counts.get(e.seq) ?? 0) + 1;
      counts.set(e.seq, n);
      if (n === list.length) process.send?.({ type: "last", system, seq: e.seq, at: now() });
    });
  }
  process.send?.({ type: "opened", system });
});
