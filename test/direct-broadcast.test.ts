import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { Server, type Socket } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionGuard, DEFAULT_CONNECTION_LIMITS } from "../server/realtime/connection-guard.js";
import { directBroadcastAdapter } from "../server/realtime/direct-broadcast.js";
import type { OrgSocket } from "../server/realtime/org-socket.js";
import { tellRevoked } from "../server/realtime/revocation.js";
import { waitFor } from "./support/sockets.js";

/**
 * Broadcasts write their finished frame straight to each idle websocket connection
 * (../server/realtime/direct-broadcast.ts), and go through engine.io when it holds packets, when the
 * client polls, or when the connection is gone. What is checked: the short road is taken, order
 * holds against packets engine.io queued, polling clients still get everything, a revocation's two
 * packets leave together (../server/realtime/revocation.ts), and a reader that stops reading is
 * dropped at the same bound as before.
 */
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(maxBufferedBytes = DEFAULT_CONNECTION_LIMITS.maxBufferedBytes) {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  const guard = new ConnectionGuard({ ...DEFAULT_CONNECTION_LIMITS, maxBufferedBytes }, pino({ level: "silent" }));
  io.adapter(directBroadcastAdapter(guard));
  io.engine.on("connection", (conn: Socket["conn"]) => guard.track(conn));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  closers.push(() => new Promise<void>((resolve) => io.close(() => resolve())));
  return { io, url, guard };
}

/** A client, the values of its `n` events in arrival order, and the server's side of it. */
async function client(io: Server, url: string, transports: ("websocket" | "polling")[]) {
  const joined = new Promise<Socket>((resolve) => io.once("connection", resolve));
  const socket: ClientSocket = connect(url, { transports, reconnection: false, forceNew: true });
  closers.push(() => {
    socket.close();
  });
  const got: number[] = [];
  socket.on("n", (v: number) => got.push(v));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const server = await joined;
  // engine.io makes a packet object for everything it queues; the short road makes none.
  const queued: unknown[] = [];
  server.conn.on("packetCreate", (p: { type: string }) => {
    if (p.type === "message") queued.push(p);
  });
  return { socket, server, got, queued };
}

/** Counts the writes the connection's TCP socket hands down (one system call each), not the frames. */
function countWrites(server: Socket): () => number {
  const tcp = (server.conn.transport as unknown as { socket: { _socket: Record<string, unknown> } }).socket._socket;
  let writes = 0;
  for (const name of ["_write", "_writev"]) {
    const original = tcp[name] as (...args: unknown[]) => unknown;
    tcp[name] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return () => writes;
}

describe("broadcasts written straight to the connection", () => {
  it("an idle websocket connection gets a broadcast without engine.io queueing a packet for it", async () => {
    const { io, url } = await serve();
    const c = await client(io, url, ["websocket"]);
    await waitFor(() => c.server.conn.transport.writable, "the connect packet written");
    io.emit("n", 1);
    await waitFor(() => c.got.length === 1, "the broadcast");
    expect(c.queued).toHaveLength(0);
    // The count works: a socket's own emit goes through engine.io.
    c.server.emit("n", 2);
    await waitFor(() => c.got.length === 2, "the socket's own emit");
    expect(c.queued).toHaveLength(1);
    expect(c.got).toEqual([1, 2]);
  });

  it("a burst of broadcasts in one turn leaves in one write to the connection", async () => {
    const { io, url } = await serve();
    const c = await client(io, url, ["websocket"]);
    await waitFor(() => c.server.conn.transport.writable, "the connect packet written");
    const writes = countWrites(c.server);
    for (let i = 0; i < 10; i++) io.emit("n", i);
    await waitFor(() => c.got.length === 10, "ten events");
    expect(c.got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(writes()).toBe(1);
    expect(c.queued).toHaveLength(0);
  });

  it("a revocation's `revoked` and disconnect leave in one write; a polling client gets both, in order", async () => {
    const { io, url, guard } = await serve();
    const ws = await client(io, url, ["websocket"]);
    const polling = await client(io, url, ["polling"]);
    for (const c of [ws, polling]) await waitFor(() => c.server.conn.transport.writable, "the connect packet written");
    const writes = countWrites(ws.server);
    // Counted when the websocket client hears the disconnect: closing its last namespace makes it
    // close the connection, and the server's answer to that is a write of its own.
    let writesHeard = -1;
    const heard = [ws, polling].map((c) => {
      const order: string[] = [];
      c.socket.on("revoked" as never, (notice: { reason: string }) => {
        order.push(`revoked:${notice.reason}`);
      });
      c.socket.on("disconnect", (reason) => {
        order.push(reason);
        if (c === ws) writesHeard = writes();
      });
      return order;
    });
    for (const c of [ws, polling]) tellRevoked(guard, c.server as unknown as OrgSocket, "org-1", "member_removed");
    await waitFor(() => heard.every((order) => order.length === 2), "both told and disconnected");
    for (const order of heard) expect(order).toEqual(["revoked:member_removed", "io server disconnect"]);
    // engine.io was left free by the frame written straight out, so its disconnect packet joined it.
    expect(writesHeard).toBe(1);
  });

  it("keeps order behind packets engine.io holds: broadcasts wait their turn, websocket and polling alike", async () => {
    const { io, url } = await serve();
    const ws = await client(io, url, ["websocket"]);
    const polling = await client(io, url, ["polling"]);
    for (const c of [ws, polling]) await waitFor(() => c.server.conn.transport.writable, "the connect packet written");
    // In one turn: after the first emit the transport is busy until its write completes, so engine.io
    // queues the second; a broadcast written straight out would overtake it.
    for (const c of [ws, polling]) c.server.emit("n", 1);
    for (const c of [ws, polling]) c.server.emit("n", 2);
    io.emit("n", 3);
    for (const c of [ws, polling]) c.server.emit("n", 4);
    io.emit("n", 5);
    io.emit("n", 6);
    await waitFor(() => ws.got.length === 6 && polling.got.length === 6, "six events on each");
    expect(ws.got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(polling.got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("drops a reader that stops reading once the node holds more than the bound for it; others get everything", async () => {
    const bound = 256 * 1024;
    const { io, url } = await serve(bound);
    const reader = await client(io, url, ["websocket"]);
    const staller = await client(io, url, ["websocket"]);
    const closed = new Promise<string>((resolve) => staller.server.conn.once("close", resolve));
    // Stop reading at the TCP level: the kernel's buffers fill, then the node's.
    const raw = (staller.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket;
    raw.pause();
    const payload = "x".repeat(64 * 1024);
    const frames = 400; // ~26 MB: more than loopback's buffers hold, so the bound is what stops it
    let held = 0;
    for (let i = 0; i < frames; i++) {
      io.emit("n", i, payload);
      const ws = (staller.server.conn.transport as unknown as { socket: { bufferedAmount: number } }).socket;
      held = Math.max(held, ws.bufferedAmount);
      if (staller.server.conn.readyState !== "open") break;
      // The reader keeps up, so only the staller's bytes pile up.
      await waitFor(() => reader.got.length === i + 1, `frame ${i} read`);
    }
    expect(await closed).toBe("forced close");
    // Never more than the bound plus the frame that crossed it.
    expect(held).toBeLessThanOrEqual(bound + payload.length + 64);
    const sent = reader.got.length;
    expect(sent).toBeGreaterThan(10);
    expect(reader.got).toEqual(Array.from({ length: sent }, (_, i) => i));
    // The reader, idle between frames, got them all the short way.
    expect(reader.queued).toHaveLength(0);
  }, 30_000);
});
