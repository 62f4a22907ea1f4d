/** What the run writes to bench/results/capacity.json, and the summary it prints. */
import { cpus, loadavg } from "node:os";
import { ratio } from "../support.js";
import { STORM_MEMBERS, STORM_ORGS, STORM_SOCKETS, WRITE_EVERY_MS } from "./config.js";
import type { cpuPart } from "./cpu.js";
import type { LoadResult } from "./load.js";
import type { SocketsResult } from "./sockets.js";
import type { throughputPart, throughputRow } from "./throughput.js";

interface Parts {
  /** `Date.now()` when the run started. */
  started: number;
  loadAtStart: number[];
  throughput: Awaited<ReturnType<typeof throughputPart>> | null;
  cpuPerRequest: Awaited<ReturnType<typeof cpuPart>> | null;
  sockets: { ours: SocketsResult; baseline: SocketsResult } | null;
}

/** The result of a run, from what its parts measured (the end-of-run figures are read here). */
export function capacityResult({ started, loadAtStart, throughput, cpuPerRequest, sockets }: Parts) {
  return {
    name: "capacity",
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg() },
    throughput,
    cpuPerRequest,
    rssPerIdleSocket: sockets
      ? {
          sockets: STORM_SOCKETS,
          ours: sockets.ours.rss,
          baseline: sockets.baseline.rss,
          ratio: ratio(sockets.ours.rss.bytesPerSocket, sockets.baseline.rss.bytesPerSocket),
        }
      : null,
    storm: sockets
      ? {
          sockets: STORM_SOCKETS,
          orgs: STORM_ORGS,
          membersPerOrg: STORM_MEMBERS,
          writeEveryMs: WRITE_EVERY_MS,
          deliveriesPerSecond: Math.round((1000 / WRITE_EVERY_MS) * (STORM_SOCKETS / STORM_ORGS)),
          ours: sockets.ours.storm,
          baseline: sockets.baseline.storm,
          allReadyRatio:
            sockets.ours.storm.allReadyMs !== null && sockets.baseline.storm.allReadyMs !== null
              ? ratio(sockets.ours.storm.allReadyMs, sockets.baseline.storm.allReadyMs)
              : null,
        }
      : null,
    benchSeconds: Math.round((Date.now() - started) / 1000),
  };
}

export type CapacityResult = ReturnType<typeof capacityResult>;

export function printSummary(r: CapacityResult) {
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
  console.log(`\nCapacity (${r.machine.cpus} cores; ms; ratio = ours / baseline)`);
  console.log(
    `load average at start ${load(r.machine.loadAverageAtStart)}, at end ${load(r.machine.loadAverageAtEnd)}`,
  );
  const t = r.throughput;
  if (t) {
    console.log(`\n1. ${t.request}, concurrency ${t.concurrency}, closed loop, ${t.seconds} s each`);
    const line = (x: LoadResult, note: string) => ({
      "ops/s": x.opsPerSec,
      p50: x.p50,
      p99: x.p99,
      errors: x.errors,
      "ratio to pgbench": note,
    });
    type Row = ReturnType<typeof throughputRow>;
    const both = (label: string, x: Row) => ({
      [`${label}: Orgwire`]: line(x.ours, `ops ${x.opsRatio}×, p99 ${x.p99Ratio}×`),
      [`${label}: pgbench -c 8`]: line(x.pgbench, ""),
    });
    console.table({
      ...both("8 orgs, 1 node", t.oneNode.perOrg),
      ...both("hot org, 1 node", t.oneNode.hotOrg),
      "8 orgs, 2 nodes: Orgwire": line(t.twoNodes.perOrg.ours, `ops ${t.twoNodes.perOrg.opsRatio}×`),
      "hot org, 2 nodes: Orgwire": line(t.twoNodes.hotOrg.ours, `ops ${t.twoNodes.hotOrg.opsRatio}×`),
    });
  }
  const c = r.cpuPerRequest;
  if (c) {
    console.log(`\n2. CPU of the node per request, ms (idle node: ${c.idleCpuMsPerSecond} ms CPU per s)`);
    console.table({
      "PATCH /v1/orgs/{orgId}": c.patchOrg,
      "GET /v1/orgs/{orgId}": c.getOrg,
      "GET /healthz": c.healthz,
    });
  }
  const m = r.rssPerIdleSocket;
  if (m) {
    console.log(`\n3. RSS per idle authenticated socket at ${m.sockets} sockets: ratio ${m.ratio}×`);
    console.table({ Orgwire: m.ours, "plain Socket.IO": m.baseline });
  }
  const st = r.storm;
  if (st) {
    console.log(
      `\n4. Storm: ${st.sockets} sockets over ${st.orgs} orgs (${st.deliveriesPerSecond} deliveries/s), ` +
        `a write every ${st.writeEveryMs} ms on the second node, SIGKILL the first`,
    );
    const row = (x: typeof st.ours, lost: unknown, duplicates: unknown) => ({
      "all ready (ms)": x.allReadyMs ?? "never",
      "ready p50/p90/p99": [x.readyMs.p50, x.readyMs.p90, x.readyMs.p99].map((v) => v ?? "-").join(" / "),
      lost,
      duplicates,
      "write p50": x.writerDuringStorm.p50,
      "write p99": x.writerDuringStorm.p99,
      "write failed": x.writerDuringStorm.failed,
      "write p99 before kill": x.writerBeforeKill.p99,
      "connect errors": x.connectErrors,
      "listen overflows": x.tcpDuringStorm.ListenOverflows,
    });
    console.table({
      "Orgwire (POST …/resources on B)": row(st.ours, st.ours.lost, st.ours.duplicates),
      "plain Socket.IO (POST /broadcast; no resume)": row(st.baseline, "n/a", "n/a"),
    });
    if (st.allReadyRatio !== null) console.log(`all ready: ratio ${st.allReadyRatio}×`);
  }
  console.log(`bench took ${r.benchSeconds} s`);
}
