/**
 * The baseline: a plain Socket.IO server with @socket.io/redis-adapter, as a team would hand-roll
 * it. Run two of these on one Redis; POST /broadcast emits a payload to the org namespace on every
 * node, POST /kick disconnects a user's sockets on every node (`disconnectSockets` through the adapter)
 * and broadcasts the removal event to the rest (without `event` in the body: the bare `disconnectSockets`).
 * A socket whose `auth.org` is set also joins `org:<org>`, and `POST /broadcast?room=org:<org>` emits
 * to that room only, so one namespace can stand for several orgs (the capacity bench).
 */
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";

const port = Number(process.env.PORT ?? 0);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const key = process.env.REDIS_PREFIX ?? "baseline";
const NSP = "/orgs/baseline";

const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const http = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
  const url = new URL(req.url ?? "/", "http://baseline");
  if (url.pathname === "/broadcast") {
    const room = url.searchParams.get("room");
    (room ? io.of(NSP).to(room) : io.of(NSP)).emit("event", body);
  } else if (url.pathname === "/kick") {
    // Like a hand-rolled server would: drop the user's sockets, then tell everyone else.
    io.of(NSP).in(`user:${body.userId}`).disconnectSockets();
    if (body.event) io.of(NSP).emit("event", body.event);
  } else if (url.pathname === "/readyz") {
    res.writeHead(200).end("{}");
    return;
  }
  res.writeHead(204).end();
});
// Like Orgwire's nodes: idle keep-alive connections outlive the load balancer's pool (60 s).
http.keepAliveTimeout = 65_000;
const io = new Server(http, { adapter: createAdapter(pub, sub, { key }), serveClient: false });
io.of(NSP).on("connection", (socket) => {
  socket.join(`user:${String(socket.handshake.auth.userId)}`);
  if (socket.handshake.auth.org) socket.join(`org:${String(socket.handshake.auth.org)}`);
  socket.emit("ready", {});
});
http.listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
