/**
 * Members holding many sockets, for the realtime bench's multi-socket revocation. In its own
 * process (like ./audience.ts) so that decoding the broadcasts these sockets receive does not delay
 * the parent. Each target names its group (the member); when the last socket of a group is
 * disconnected, the wall-clock instant goes to the parent over IPC. `ping` answers `pong` once the
 * messages queued before it are handled, so the parent can wait for this process to be idle.
 */
import type { Socket } from "socket.io-client";
import { openSockets } from "./support.js";

type Open = {
  type: "open";
  system: string;
  targets: { url: string; auth: Record<string, unknown>; group: string }[];
};
type Message = Open | { type: "ping"; id: number } | { type: "close" };

const now = () => performance.timeOrigin + performance.now();
const sockets: Socket[] = [];

process.on("message", async (message: Message) => {
  if (message.type === "close") {
    for (const s of sockets) s.close();
    process.exit(0);
  }
  if (message.type === "ping") {
    setImmediate(() => process.send?.({ type: "pong", id: message.id }));
    return;
  }
  const { system, targets } = message;
  const list = await openSockets(targets.length, (i) => targets[i]!);
  const left = new Map<string, number>();
  for (const t of targets) left.set(t.group, (left.get(t.group) ?? 0) + 1);
  list.forEach((s, i) => {
    const group = targets[i]!.group;
    s.once("disconnect", () => {
      const n = left.get(group)! - 1;
      left.set(group, n);
      if (n === 0) process.send?.({ type: "gone", system, group, at: now() });
    });
  });
  sockets.push(...list);
  process.send?.({ type: "opened", system });
});
process.on("disconnect", () => process.exit(0));
