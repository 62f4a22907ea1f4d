/**
 * `npm run bench -- capacity`: what one node carries, each figure beside its baseline from the same
 * run. Everything goes through the public interface (HTTP, Socket.IO, spawned `node --import tsx
 * server/main.ts` processes, `server/config.ts` variables), so it measures whatever server/ is now.
 *
 * 1. throughput of `POST …/resources` (vps) at concurrency 8, closed loop: (a) 8 writers, one org
 *    each; (b) 8 writers on one hot org; one node (then two, without a baseline of their own).
 *    Baseline: pgbench `-c 8 -M prepared` running the same SQL shape on the same tables and orgs
 *    (lock the head and read the role, insert the resource, insert the event and move the head,
 *    commit), alternating with Orgwire slice by slice.
 * 2. CPU time of the committing node per `PATCH /v1/orgs/{orgId}` (from /proc/<pid>/stat), beside
 *    the same node's CPU per `GET /healthz` and per `GET /v1/orgs/{orgId}`.
 * 3. RSS per idle authenticated socket at 5,000 sockets, beside plain Socket.IO
 *    (./baseline-server.ts) in the same run.
 * 4. the storm: 5,000 sockets of 10 members over 10 orgs on node A, a writer committing every
 *    20 ms on node B, SIGKILL A; the clients (./capacity-clients.ts) come back on B like the SDK,
 *    with `since`. Beside it the same storm on a plain Socket.IO pair (no resume, so no lost count).
 * Results: bench/results/capacity.json. BENCH_CAP_PARTS=throughput,cpu,sockets picks parts.
 * The parts live in ./capacity/: config (sizes, BENCH_CAP_*), setup (users, orgs, invitations),
 * load (closed loop), pgbench, throughput (1), cpu (2), clients and writer (the storm's two sides),
 * sockets (3 and 4), report (capacity.json and the printed summary).
 */

import { loadavg } from "node:os";
import { Redis } from "ioredis";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "../test/support/services.js";
import { startClients } from "./capacity/clients.js";
import { NODE_WARMUP_SECONDS, PARTS, STORM_ORGS } from "./capacity/config.js";
import { cpuPart } from "./capacity/cpu.js";
import { closedLoop, resourceJob, send, shapes } from "./capacity/load.js";
import { capacityResult, printSummary } from "./capacity/report.js";
import { seed } from "./capacity/setup.js";
import { baselineEvent, type SocketsResult, socketsPart } from "./capacity/sockets.js";
import { throughputPart } from "./capacity/throughput.js";
import { warmPool } from "./capacity/writer.js";
import { spawnBaseline, spawnOrgwire, writeResult } from "./support.js";

type Kill = { kill: (signal?: NodeJS.Signals) => Promise<void> };

/** Deletes this run's Redis keys (rate-limit counters; they would expire within the hour anyway). */
async function dropRedisKeys(prefix: string) {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  } catch {
    // best effort
  } finally {
    redis.disconnect();
  }
}

export async function runCapacityBench() {
  const started = Date.now();
  const loadAtStart = loadavg();
  const database = await createTestDatabase();
  const prefix = uniquePrefix("cap");
  const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: prefix };
  const running: Kill[] = [];
  const clients = startClients();
  const log = (text: string) => console.log(`[capacity ${((Date.now() - started) / 1000).toFixed(0)} s] ${text}`);
  const spawned = <T extends Kill>(p: T) => {
    running.push(p);
    return p;
  };
  try {
    log("setup: migrations, users, orgs, invitations");
    const s = await seed(env, database.url);

    const nodeB = spawned(await spawnOrgwire({ ...env, NODE_ID: "cap-b" }));
    await closedLoop(shapes.perOrg(s, [nodeB.url]), { seconds: NODE_WARMUP_SECONDS, warmupSeconds: 0 });
    const throughput = PARTS.has("throughput") ? await throughputPart(s, env, database.url, nodeB, log) : null;
    const cpuPerRequest = PARTS.has("cpu") ? await cpuPart(s, nodeB, log) : null;

    let sockets: { ours: SocketsResult; baseline: SocketsResult } | null = null;
    if (PARTS.has("sockets")) {
      // The plain Socket.IO pair first, then Orgwire on a fresh node A (node B takes over).
      const baselineEnv = { REDIS_URL, REDIS_PREFIX: `${prefix}baseline` };
      const base1 = spawned(await spawnBaseline(baselineEnv));
      const base2 = spawned(await spawnBaseline(baselineEnv));
      const seqs = new Map<string, number>();
      const baselineAgent = await warmPool(base2.url);
      const baseline = await socketsPart(
        "baseline",
        clients,
        base1,
        base2,
        s,
        (k) => {
          const target = s.storm[k % STORM_ORGS]!;
          const seq = (seqs.get(target.orgId) ?? 0) + 1;
          seqs.set(target.orgId, seq);
          return send(baselineAgent, {
            url: base2.url,
            method: "POST",
            path: `/broadcast?room=org:${target.orgId}`,
            body: baselineEvent(target.orgId, target.projectId, seq),
            expect: 204,
          });
        },
        log,
      );
      await base2.kill();
      const nodeA = spawned(await spawnOrgwire({ ...env, NODE_ID: "cap-a" }));
      const agent = await warmPool(nodeB.url);
      const ours = await socketsPart(
        "ours",
        clients,
        nodeA,
        nodeB,
        s,
        (k) => {
          const target = s.storm[k % STORM_ORGS]!;
          return send(agent, resourceJob(nodeB.url, s.stormOwner, target)(k));
        },
        log,
      );
      agent.destroy();
      baselineAgent.destroy();
      sockets = { ours, baseline };
    }

    const result = capacityResult({ started, loadAtStart, throughput, cpuPerRequest, sockets });
    const path = writeResult("capacity", result);
    printSummary(result);
    console.log(`written to ${path}`);
    return result;
  } finally {
    clients.exit();
    for (const p of running.reverse()) await p.kill("SIGTERM");
    await database.drop();
    await dropRedisKeys(prefix);
  }
}
