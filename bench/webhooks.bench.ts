/**
 * `npm run bench -- webhooks`: webhook delivery throughput (deliveries/s at a local receiver) and
 * lag (commit → receipt), each beside a baseline measured in the same run. Two spawned nodes.
 * Scenarios: 1 endpoint (one org); 50 endpoints as 50 orgs with one endpoint each (an org holds at
 * most 20, MAX_WEBHOOKS_PER_ORG, so 50 on one org cannot be made); opt-in (BENCH_WEBHOOK_SCENARIOS=
 * 0,1,2) 20 endpoints on one org, the fan-out at the cap. All endpoints take `events: ["*"]`.
 * Per scenario, three phases, each with its own events (PATCH /v1/orgs/{orgId} {name}, split over
 * both nodes; the name marks the phase, so other events such as webhook.updated are not counted):
 *  - paced: RATE events/s for PACED_SECONDS, open loop, so lag is not a backlog's age. Beside it,
 *    a Socket.IO subscription (one socket per org) receives the same events: the lag baseline.
 *  - burst: N events at CONCURRENCY with the endpoints live; throughput from first to last receipt.
 *  - drain: endpoints turned off, the same N events committed, endpoints turned on: the backlog
 *    drains at delivery speed alone (the burst's figure is capped by how fast commits come).
 * Throughput baseline: one sequential POST loop per endpoint, same body size, same receiver, from this
 * process (keep-alive: an ordered sender at best; also fresh connections, as post.ts). Lag = receipt −
 * occurredAt (Postgres' now(), tx start), and also receipt − the PATCH's HTTP answer (this process's clock).
 * The receiver (node:http, 200 at once) and the sockets live in a child process (this file with
 * BENCH_WEBHOOKS_ROLE=receiver), so this process's load does not delay the receipts.
 */
import { fork } from "node:child_process";
import { Agent, createServer, request } from "node:http";
import { cpus, loadavg } from "node:os";
import { io, type Socket } from "socket.io-client";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "../test/support/services.js";
import { api, ratio, sleep, spawnOrgwire, stats, wallNow, writeResult } from "./support.js";

const N = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2_000);
// Low enough that commits keep up on a busy 2-CPU machine (the table flags a run where they did not).
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 20);
const PACED_SECONDS = Number(process.env.BENCH_WEBHOOK_PACED_SECONDS ?? 10);
const CONCURRENCY = 16;
const WAIT_MS = 180_000;
const SCENARIOS = [
  { label: "1 endpoint", orgs: 1, perOrg: 1 },
  { label: "50 endpoints (50 orgs × 1)", orgs: 50, perOrg: 1 },
  { label: "20 endpoints (1 org × 20, fan-out)", orgs: 1, perOrg: 20 },
].filter((_, i) => (process.env.BENCH_WEBHOOK_SCENARIOS ?? "0,1").split(",").includes(String(i)));

/** One receipt: a webhook at an endpoint (`to` = its path) or an event on a socket (`to` = "socket"). */
type Receipt = { to: string; id: string; name: string; occurredAt: number; at: number; bytes: number };

async function receiver() {
  let receipts: Receipt[] = [];
  let sockets: Socket[] = [];
  type Event = { id: string; occurredAt: string; data?: { name?: string } };
  const record = (to: string, e: Event, at: number, bytes: number) =>
    receipts.push({ to, id: e.id, name: e.data?.name ?? "", occurredAt: Date.parse(e.occurredAt), at, bytes });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = wallNow();
      res.writeHead(200).end();
      if (req.url?.startsWith("/baseline")) return; // the baseline's POSTs: only answered
      const body = Buffer.concat(chunks);
      record(req.url ?? "", JSON.parse(body.toString()), at, body.length);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
  });
  process.on("message", async (m: { type: string; targets?: { url: string; token: string }[] }) => {
    if (m.type === "take") {
      process.send?.({ type: "taken", receipts });
      receipts = [];
    } else if (m.type === "subscribe") {
      // A few at a time: each node admits a handful of concurrent handshakes.
      for (let i = 0; i < m.targets!.length; i += 4) {
        const opened = await Promise.all(
          m.targets!.slice(i, i + 4).map(({ url, token }) => {
            const s = io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
            s.on("event", (e: Event) => record("socket", e, wallNow(), 0));
            return new Promise<Socket>((resolve, reject) => {
              s.once("ready", () => resolve(s));
              s.once("connect_error", reject);
            });
          }),
        );
        sockets.push(...opened);
      }
      process.send?.({ type: "subscribed" });
    } else if (m.type === "unsubscribe") {
      for (const s of sockets) s.close();
      sockets = [];
      process.send?.({ type: "unsubscribed" });
    } else if (m.type === "exit") process.exit(0);
  });
}

function startReceiver() {
  const child = fork(new URL(import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_WEBHOOKS_ROLE: "receiver" },
    stdio: "inherit",
  });
  const next = (type: string) =>
    new Promise<{ type: string; port?: number; receipts?: Receipt[] }>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off("message", on);
        resolve(m);
      };
      child.on("message", on);
    });
  const ask = (message: object, answer: string) => {
    const reply = next(answer);
    child.send(message);
    return reply;
  };
  return {
    port: next("listening").then((m) => m.port ?? 0),
    take: async () => (await ask({ type: "take" }, "taken")).receipts ?? [],
    subscribe: (targets: { url: string; token: string }[]) => ask({ type: "subscribe", targets }, "subscribed"),
    unsubscribe: () => ask({ type: "unsubscribe" }, "unsubscribed"),
    exit: () => child.connected && child.send({ type: "exit" }),
  };
}
type Receiver = ReturnType<typeof startReceiver>;

interface Setup {
  nodes: { url: string }[];
  token: string;
  orgIds: string[];
  webhooks: { orgId: string; id: string; path: string }[];
}

const workers = (n: number, f: () => Promise<void>) => Promise.all(Array.from({ length: n }, f));

/** Commits `count` events named `<tag>-<i>`, round-robin over orgs and nodes; `answered` maps name → answer time. */
async function commit(s: Setup, tag: string, count: number, mode: { rate?: number; concurrency?: number }) {
  const answered = new Map<string, number>();
  const one = async (i: number) => {
    const name = `${tag}-${i}`;
    const node = s.nodes[i % s.nodes.length]!;
    const orgId = s.orgIds[Math.floor(i / s.nodes.length) % s.orgIds.length]!;
    const headers = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
    const res = await fetch(`${node.url}/v1/orgs/${orgId}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ name }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`PATCH org: ${res.status}`);
    answered.set(name, wallNow());
  };
  const t0 = performance.now();
  if (mode.rate) {
    // Open loop: each send at its slot, whether or not earlier ones have answered.
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const wait = t0 + (i * 1000) / mode.rate - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(one(i));
    }
    await Promise.all(inFlight);
  } else {
    let next = 0;
    await workers(mode.concurrency ?? 1, async () => {
      while (next < count) await one(next++);
    });
  }
  const ms = performance.now() - t0;
  return { answered, commitsPerSec: Math.round((count / ms) * 1000) };
}

/** Collects receipts of the events named `<tag>-*` until `expected` distinct webhook deliveries came. */
async function collect(rx: Receiver, tag: string, expected: number, socketsExpected = 0) {
  const hooks = new Map<string, Receipt>();
  const socket = new Map<string, Receipt>();
  let duplicates = 0;
  const deadline = Date.now() + WAIT_MS;
  while ((hooks.size < expected || socket.size < socketsExpected) && Date.now() < deadline) {
    await sleep(200);
    for (const r of await rx.take()) {
      if (!r.name.startsWith(`${tag}-`)) continue;
      const into = r.to === "socket" ? socket : hooks;
      const key = `${r.to} ${r.id}`;
      if (into.has(key)) duplicates++;
      else into.set(key, r);
    }
  }
  if (hooks.size < expected) console.warn(`webhooks ${tag}: ${hooks.size} of ${expected} deliveries in time`);
  return { hooks: [...hooks.values()], socket: [...socket.values()], duplicates };
}

const lagFromCommit = (rs: Receipt[]) => stats(rs.map((r) => r.at - r.occurredAt));
const lagFromAnswer = (rs: Receipt[], answered: Map<string, number>) =>
  stats(rs.map((r) => r.at - (answered.get(r.name) ?? NaN)).filter((x) => !Number.isNaN(x)));
function perSecond(rs: Receipt[]) {
  const ats = rs.map((r) => r.at);
  const span = Math.max(...ats) - Math.min(...ats);
  return { deliveries: rs.length, spanMs: Math.round(span), perSec: Math.round((rs.length / span) * 1000) };
}

/** `loops` ordered senders at once, each POSTing `each` bodies of `bytes` one after another. */
async function postLoops(port: number, loops: number, each: number, bytes: number, keepAlive: boolean) {
  const body = JSON.stringify({ pad: "x".repeat(Math.max(0, bytes - 10)) });
  const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: loops }) : false;
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/baseline", method: "POST", agent, headers }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`baseline ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end(body);
    });
  const t0 = performance.now();
  await workers(loops, async () => {
    for (let i = 0; i < each; i++) await post();
  });
  const ms = performance.now() - t0;
  if (agent) agent.destroy();
  return { deliveries: loops * each, spanMs: Math.round(ms), perSec: Math.round(((loops * each) / ms) * 1000) };
}

async function runScenario(
  sc: (typeof SCENARIOS)[number],
  index: number,
  nodes: { url: string }[],
  token: string,
  rx: Receiver,
  port: number,
) {
  const orgIds: string[] = [];
  const webhooks: Setup["webhooks"] = [];
  for (let o = 0; o < sc.orgs; o++) {
    const org = await api<{ id: string }>(nodes[0]!.url, "POST", "/v1/orgs", {
      token,
      body: { name: "o" },
      expect: 201,
    });
    orgIds.push(org.id);
    for (let w = 0; w < sc.perOrg; w++) {
      const path = `/hook/s${index}/o${o}/w${w}`;
      const body = { url: `http://127.0.0.1:${port}${path}`, events: ["*"] };
      const where = `/v1/orgs/${org.id}/webhooks`;
      const created = await api<{ webhook: { id: string } }>(nodes[w % 2]!.url, "POST", where, {
        token,
        body,
        expect: 201,
      });
      webhooks.push({ orgId: org.id, id: created.webhook.id, path });
    }
  }
  const s: Setup = { nodes, token, orgIds, webhooks };
  const endpoints = webhooks.length;
  const tag = (phase: string) => `s${index}${phase}`;

  // Warm-up (JIT, pools, the first claims), not recorded.
  await commit(s, tag("w"), 100, { concurrency: 4 });
  const warm = await collect(rx, tag("w"), 100 * sc.perOrg);
  const bodyBytes = Math.round(warm.hooks.reduce((a, r) => a + r.bytes, 0) / Math.max(1, warm.hooks.length));

  // Paced: webhooks and one socket per org (alternating nodes) receive the same events.
  await rx.subscribe(orgIds.map((id, i) => ({ url: `${nodes[i % 2]!.url}/orgs/${id}`, token })));
  const pacedCount = RATE * PACED_SECONDS;
  const paced = await commit(s, tag("p"), pacedCount, { rate: RATE });
  const pacedRx = await collect(rx, tag("p"), pacedCount * sc.perOrg, pacedCount);
  await rx.unsubscribe();

  // Burst: N events as fast as CONCURRENCY writers go, endpoints live.
  const burst = await commit(s, tag("b"), N, { concurrency: CONCURRENCY });
  const burstRx = await collect(rx, tag("b"), N * sc.perOrg);

  // Drain: the same N events committed while the endpoints are off, then all turned on at once.
  const toggle = (enabled: boolean) =>
    Promise.all(
      webhooks.map((w, i) =>
        api(nodes[i % 2]!.url, "PATCH", `/v1/orgs/${w.orgId}/webhooks/${w.id}`, {
          token,
          body: { enabled },
          expect: 200,
        }),
      ),
    );
  await toggle(false);
  await commit(s, tag("d"), N, { concurrency: CONCURRENCY });
  await toggle(true);
  const drainRx = await collect(rx, tag("d"), N * sc.perOrg);

  // Throughput baseline: one ordered loop per endpoint, each sending what one endpoint received.
  const each = (N / sc.orgs) | 0;
  const baseKeepAlive = await postLoops(port, endpoints, each, bodyBytes, true);
  const baseFresh = await postLoops(port, endpoints, each, bodyBytes, false);

  const pacedHookLag = lagFromCommit(pacedRx.hooks);
  const pacedSocketLag = lagFromCommit(pacedRx.socket);
  const burstTp = perSecond(burstRx.hooks);
  const drainTp = perSecond(drainRx.hooks);
  return {
    scenario: sc.label,
    endpoints,
    bodyBytes,
    paced: {
      events: pacedCount,
      targetPerSec: RATE,
      commitsPerSec: paced.commitsPerSec,
      deliveries: pacedRx.hooks.length,
      duplicates: pacedRx.duplicates,
      webhookLagFromOccurredAt: pacedHookLag,
      webhookLagFromHttpAnswer: lagFromAnswer(pacedRx.hooks, paced.answered),
      socketLagFromOccurredAt: pacedSocketLag,
      lagP50Ratio: ratio(pacedHookLag.p50, pacedSocketLag.p50),
      lagP99Ratio: ratio(pacedHookLag.p99, pacedSocketLag.p99),
    },
    burst: {
      events: N,
      commitsPerSec: burst.commitsPerSec,
      ...burstTp,
      duplicates: burstRx.duplicates,
      lagFromOccurredAt: lagFromCommit(burstRx.hooks),
      ratioToKeepAliveLoop: ratio(burstTp.perSec, baseKeepAlive.perSec),
    },
    drain: {
      events: N,
      ...drainTp,
      duplicates: drainRx.duplicates,
      ratioToKeepAliveLoop: ratio(drainTp.perSec, baseKeepAlive.perSec),
      ratioToFreshConnectionLoop: ratio(drainTp.perSec, baseFresh.perSec),
    },
    baseline: { loops: endpoints, postsPerLoop: each, keepAlive: baseKeepAlive, freshConnection: baseFresh },
  };
}

export async function runWebhooksBench() {
  const loadAtStart = loadavg();
  const database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: uniquePrefix("webhooks-bench"),
    LOG_LEVEL: "warn",
    WEBHOOK_ALLOW_PRIVATE: "true",
    OUTBOUND_POLL_MS: "1000",
  };
  const rx = startReceiver();
  const nodes = [await spawnOrgwire({ ...env, NODE_ID: "wh-a" }), await spawnOrgwire({ ...env, NODE_ID: "wh-b" })];
  try {
    const port = await rx.port;
    const owner = await api<{ token: string }>(nodes[0]!.url, "POST", "/v1/auth/signup", {
      body: { email: `webhooks-bench-${Date.now()}@example.com`, password: "correct horse battery", name: "o" },
      expect: 201,
    });
    const scenarios = [];
    for (const [i, sc] of SCENARIOS.entries()) {
      console.log(`[webhooks] ${sc.label}`);
      scenarios.push(await runScenario(sc, i, nodes, owner.token, rx, port));
    }
    const result = {
      name: "webhooks",
      at: new Date().toISOString(),
      nodes: 2,
      events: N,
      pacedRate: RATE,
      pacedSeconds: PACED_SECONDS,
      burstConcurrency: CONCURRENCY,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadAtStart,
        note: "one machine: Postgres, Redis, both nodes, the receiver and this process share its CPUs; lag uses Postgres' clock (occurredAt) against the receiver's, same host",
      },
      scenarios,
    };
    const path = writeResult("webhooks", result);
    const table: Record<string, Record<string, unknown>> = {};
    const row = (label: string, lag: object | null, perSec: number | string, r: number | string, n?: number) => {
      table[label] = { ...(lag ?? { n }), "/s": perSec, ratio: r };
    };
    for (const r of scenarios) {
      const k = r.scenario;
      const slow = r.paced.commitsPerSec < 0.9 * RATE ? ` (commits only ${r.paced.commitsPerSec}/s)` : "";
      row(`${k}: paced ${RATE}/s webhook lag${slow}`, r.paced.webhookLagFromOccurredAt, "", r.paced.lagP99Ratio);
      row(`${k}: paced socket lag (baseline)`, r.paced.socketLagFromOccurredAt, "", "");
      row(`${k}: burst webhook lag, /s`, r.burst.lagFromOccurredAt, r.burst.perSec, r.burst.ratioToKeepAliveLoop);
      row(`${k}: drain throughput`, null, r.drain.perSec, r.drain.ratioToKeepAliveLoop, r.drain.deliveries);
      const base = r.baseline;
      row(`${k}: POST loops keep-alive (baseline)`, null, base.keepAlive.perSec, "", base.keepAlive.deliveries);
      row(`${k}: POST loops fresh connection`, null, base.freshConnection.perSec, "", base.freshConnection.deliveries);
    }
    console.log(
      `\nWebhooks over 2 nodes, ${N} events per burst/drain (lag ms = receipt − occurredAt; /s = deliveries/s at the receiver;` +
        " ratio: lag rows = webhook p99 / socket p99, throughput rows = webhook /s / keep-alive POST loops /s)",
    );
    console.table(table);
    console.log(`written to ${path}`);
    return result;
  } finally {
    rx.exit();
    for (const n of nodes) await n.kill("SIGTERM");
    await database.drop();
  }
}

if (process.env.BENCH_WEBHOOKS_ROLE === "receiver") await receiver();
