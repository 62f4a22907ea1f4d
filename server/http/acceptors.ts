import { spawn } from "node:child_process";
import type { Server as HttpServer } from "node:http";
import type { Server, Socket } from "node:net";

/**
 * More accepts per turn of the event loop for the node's one listening socket.
 *
 * Node 20's libuv accepts one connection per listening handle per turn of the event loop. When a
 * node dies, its clients all come back to the survivors at once, while those are busy fanning
 * events out to the sockets already back: at 13 ms a turn, the queue of new connections (the
 * storm's, and any HTTP client's new connection) drains at 75 a second. Each extra handle on the
 * same listening socket accepts one more connection per turn: the kernel keeps one queue, and
 * every handle takes from it.
 *
 * A second handle needs a second file descriptor for the same socket, which Node offers only by
 * passing a handle over IPC (what its `cluster` module does between processes). So a short-lived
 * helper process receives the listening handle once and sends it back `count` times; each copy
 * arrives as a new descriptor, listening, and hands its connections to the HTTP server. Answers a
 * function that closes the copies.
 */
export async function addAcceptors(server: HttpServer, count: number): Promise<() => void> {
  if (count <= 0) return () => {};
  // Connections go to the HTTP server exactly as its own do (Socket.IO's upgrades included).
  const acceptors = await copiesOf(server, count, (socket) => server.emit("connection", socket));
  // Stops accepting at once; the connections already accepted stay with the HTTP server, which
  // closes them (a net.Server's close callback would wait for all of them to end).
  return () => {
    for (const acceptor of acceptors) acceptor.close();
  };
}

/** The helper: sends the handle it is sent back `count` times, then exits. */
const ECHO = `process.once("message", (count, handle) => {
  for (let i = 1; i < count; i++) process.send("copy", handle);
  process.send("copy", handle, () => process.exit(0));
});`;

/**
 * Node hands a received server handle over already listening, as a `net.Server`; `onConnection`
 * is attached in the same turn, before any connection can be accepted on it.
 */
async function copiesOf(server: HttpServer, count: number, onConnection: (socket: Socket) => void): Promise<Server[]> {
  const child = spawn(process.execPath, ["--input-type=commonjs", "-e", ECHO], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    // The helper needs nothing of the node's environment (secrets included).
    env: {},
  });
  try {
    return await new Promise<Server[]>((resolve, reject) => {
      const copies: Server[] = [];
      child.once("error", reject);
      // The channel closes once the helper is gone and everything it sent has been read.
      child.once("disconnect", () => reject(new Error(`acceptor helper sent ${copies.length} of ${count} copies`)));
      child.on("message", (message, handle) => {
        if (message !== "copy" || !handle) return;
        const copy = handle as Server;
        copy.on("connection", onConnection);
        copies.push(copy);
        if (copies.length === count) resolve(copies);
      });
      child.send(count, server);
    });
  } finally {
    child.removeAllListeners();
    if (child.exitCode === null) child.kill();
  }
}
