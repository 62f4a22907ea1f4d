/**
 * `npm run bench -- fanout`: the node's CPU per delivered event, with Orgwire's broadcast
 * (../server/realtime/direct-broadcast.ts) beside Socket.IO's stock in-memory adapter, in one run.
 *
 * Two Socket.IO servers live in this process, alike but for the adapter: both track their
 * connections with the node's ConnectionGuard. Each gets SOCKETS websocket clients, held in a child
 * process (./audience.ts). Rounds alternate between the two servers, so the machine's drift falls
 * on both alike. A round sends EVENTS events and measures this process's CPU from the first send
 * until the last socket has the last event.
 *
 * There are two shapes: one event per turn (commits arriving apart), and bursts of BURST events in
 * one turn (a gap fill's page, or events queued behind a storm's attaches).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { Server, type Socket } from "socket.io";
import { ConnectionGuard, DEFAULT_CONNECTION_LIMITS } from "../server/realtime/connection-guard.js";
import { directBroadcastAdapter } from "../server/realtime/direct-broadcast.js";
import { startAudience } from "./child-reports.js";
import { ratio, sleep, stats, writeResult } from "./support.js";

const SOCKETS = Number(process.env.BENCH_FANOUT_SOCKETS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 12);
const EVENTS = 50;
const BURST = 10;
/** Shaped and sized like a `resource.created` envelope (about 400 bytes). */
const ENVELOPE = {
  orgId: "0193a6f0-6c1e-7b42-9d51-3f1c2a8e4b10",
  type: "resource.created",
  occurredAt: "2026-12-03T17:00:00.000Z",
  actor: { type: "user", userId: "0193a6f0-6c1e-7b42-9d51-3f1c2a8e4b11", email: "owner@example.com" },
  data: {
    projectId: "0193a6f0-6c1e-7b42-9d51-3f1c2a8e4b12",
    resource: { id: "0193a6f0-6c1e-7b42-9d51-3f1c2a8e4b13", type: "vps", name: "bench-vps" },
  },
};

type Shape = "apart" | "burst";

async function serve(name: string, direct: boolean) {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  const guard = new ConnectionGuard(DEFAULT_CONNECTION_LIMITS, pino({ level: "silent" }));
  if (direct) io.adapter(directBroadcastAdapter(guard));
  io.engine.on("connection", (conn: Socket["conn"]) => guard.track(conn));
  io.on("connection", (socket) => socket.emit("ready"));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { name, io, url, close: () => new Promise<void>((resolve) => io.close(() => resolve())) };
}

export async function runFanoutBench() {
  const audience = startAudience();
  const systems = [await serve("orgwire", true), await serve("socket.io", false)];
  let seq = 0;
  try {
    for (const s of systems) {
      await audience.open(
        s.name,
        Array.from({ length: SOCKETS }, () => ({ url: s.url, auth: {} })),
      );
    }
    /** Microseconds of this process's CPU per delivery, for one round of `system`. */
    const round = async (system: (typeof systems)[number], shape: Shape) => {
      const from = process.cpuUsage();
      for (let sent = 0; sent < EVENTS; ) {
        for (let i = 0; i < (shape === "burst" ? BURST : 1); i++, sent++) {
          system.io.emit("event", { ...ENVELOPE, seq: ++seq });
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await audience.last(system.name, seq);
      const cpu = process.cpuUsage(from);
      return (cpu.user + cpu.system) / (EVENTS * SOCKETS);
    };
    const shapes: Shape[] = ["apart", "burst"];
    const samples = new Map(shapes.flatMap((shape) => systems.map((s) => [`${shape}:${s.name}`, [] as number[]])));
    for (let r = 0; r < ROUNDS + 1; r++) {
      for (const shape of shapes) {
        // Alternate which goes first; the first round of each is warm-up, not recorded.
        for (const system of r % 2 === 0 ? systems : [...systems].reverse()) {
          const us = await round(system, shape);
          if (r > 0) samples.get(`${shape}:${system.name}`)!.push(us);
          await sleep(100);
        }
      }
    }
    const result = Object.fromEntries(
      shapes.map((shape) => {
        const ours = stats(samples.get(`${shape}:orgwire`) ?? []);
        const baseline = stats(samples.get(`${shape}:socket.io`) ?? []);
        return [shape, { ours, baseline, ratioP50: ratio(ours.p50, baseline.p50) }];
      }),
    );
    const rows = Object.fromEntries(
      shapes.flatMap((shape) => [
        [`${shape}: Orgwire broadcast`, { ...result[shape]!.ours, ratioP50: result[shape]!.ratioP50 }],
        [`${shape}: Socket.IO in-memory adapter`, result[shape]!.baseline],
      ]),
    );
    console.log(
      `\nFan-out: node CPU per delivery, µs (${SOCKETS} websocket sockets, ${EVENTS} events per round, ` +
        `${ROUNDS} rounds each; "burst" sends ${BURST} per turn)`,
    );
    console.table(rows);
    const path = writeResult("fanout", {
      name: "fanout",
      at: new Date().toISOString(),
      sockets: SOCKETS,
      eventsPerRound: EVENTS,
      rounds: ROUNDS,
      burst: BURST,
      unit: "µs of node CPU per delivery",
      ...result,
    });
    console.log(`written to ${path}`);
  } finally {
    audience.close();
    for (const s of systems) await s.close();
  }
}
