import { spawn } from "node:child_process";
import type { Server as HttpServer } from "node:http";
import { createServer } from "node:net";

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
 * helper process receives the raw listening handle once and sends it back `count` times; each copy
 * arrives as a new descriptor, on which a `net.Server` listens and hands its connections to the
 * HTTP server. `backlog` is the one the server listens with. Answers a function that closes the
 * copies.
 */
export async function addAcceptors(server: HttpServer, count: number, backlog: number): Promise<() => void> {
  if (count <= 0) return () => {};
  const copies = await copiesOf(server, count);
  // The listener is there before a copy accepts anything. Connections go to the HTTP server
  // exactly as its own do (Socket.IO's upgrades included).
  const acceptors = copies.map(() => createServer((socket) => server.emit("connection", socket)));
  // Stops accepting at once; the connections already accepted stay with the HTTP server, which
  // closes them (a net.Server's close callback would wait for all of them to end).
  const close = () => {
    for (const acceptor of acceptors) if (acceptor.listening) acceptor.close();
  };
  try {
    for (const [i, acceptor] of acceptors.entries()) {
      await new Promise<void>((resolve, reject) => {
        acceptor.once("error", reject);
        // listen() on a socket already listening sets its accept queue again: without the node's
        // backlog, every copy would cut the shared queue back to Node's default of 511.
        acceptor.listen(copies[i] as never, backlog, () => {
          acceptor.off("error", reject);
          resolve();
        });
      });
    }
  } catch (err) {
    // None half set up: the copies listened on so far stop accepting.
    close();
    throw err;
  }
  return close;
}

/**
 * The helper: keeps the raw handle it is sent and sends it back each time it is asked. A raw handle
 * (not a `net.Server`) is never listened on by the helper, so it accepts nothing itself.
 */
const ECHO = `let handle;
process.on("message", (message, received) => {
  if (received) handle = received;
  if (message === "done") process.exit(0);
  else process.send("copy", handle);
});`;

/** `count` new descriptors of the server's listening socket, as raw handles. */
async function copiesOf(server: HttpServer, count: number): Promise<unknown[]> {
  const listening = (server as unknown as { _handle?: unknown })._handle;
  if (!listening) throw new Error("the server is not listening");
  const child = spawn(process.execPath, ["--input-type=commonjs", "-e", ECHO], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    // The helper needs nothing of the node's environment (secrets included).
    env: {},
  });
  try {
    return await new Promise<unknown[]>((resolve, reject) => {
      const copies: unknown[] = [];
      const timer = setTimeout(() => reject(new Error("acceptor helper did not answer in 10 s")), 10_000);
      child.once("error", reject);
      child.once("exit", () => reject(new Error(`acceptor helper exited after ${copies.length} of ${count} copies`)));
      // One copy per request: the helper answers each with a handle message of its own.
      child.on("message", (message, handle) => {
        if (message !== "copy" || !handle) return;
        copies.push(handle);
        if (copies.length < count) return void child.send("more");
        clearTimeout(timer);
        resolve(copies);
      });
      child.send("first", listening as never);
    });
  } finally {
    child.removeAllListeners();
    if (child.connected) child.send("done");
    else child.kill();
  }
}
