/** Parts 3 and 4: RSS per idle socket, then the storm (SIGKILL a node under its sockets). */
import { randomUUID } from "node:crypto";
import { api, type BenchProcess, cpuMs, listenCounters, rssKib, sleep, wallNow } from "../support.js";
import type { Clients } from "./clients.js";
import {
  AFTER_READY_MS,
  ALL_READY_TIMEOUT_MS,
  STEADY_MS,
  STORM_MEMBERS,
  STORM_ORGS,
  STORM_SOCKETS,
  VPS,
  WRITE_EVERY_MS,
} from "./config.js";
import type { Setup } from "./setup.js";
import { startWriter, writerStats } from "./writer.js";

/** Median of a few RSS samples over a second (GC makes single samples jumpy), in KiB. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssKib(pid));
    await sleep(250);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/** The head seq of each org, read through the events API from a lower bound up. */
async function orgHeads(url: string, token: string, from: Record<string, number>) {
  const result: Record<string, number> = {};
  for (const [orgId, since] of Object.entries(from)) {
    let cursor: string | number | null = since;
    let head = since;
    while (cursor !== null) {
      const page: { items: { seq: number }[]; nextCursor: string | number | null } = await api(
        url,
        "GET",
        `/v1/orgs/${orgId}/events?since=${cursor}&limit=500`,
        { token, expect: 200 },
      );
      head = page.items.at(-1)?.seq ?? head;
      cursor = page.nextCursor;
    }
    result[orgId] = head;
  }
  return result;
}

/** What the storm's writer commits, shaped like the envelope Orgwire sends for it (for the baseline). */
export const baselineEvent = (orgId: string, projectId: string, seq: number) => ({
  id: randomUUID(),
  orgId,
  seq,
  type: "resource.created",
  occurredAt: new Date().toISOString(),
  actor: { type: "user", id: randomUUID(), email: "writer0@example.com" },
  projectId,
  target: { type: "resource", id: randomUUID() },
  data: { type: "vps", name: VPS.name, config: { image: "debian-12", plan: "s1", region: "eu-west", sshKeys: [] } },
});

/**
 * 3 and 4 on one system: warm `first` with 50 sockets, RSS before, open STORM_SOCKETS sockets on
 * `first` (fallback: `second`), RSS after; a writer every WRITE_EVERY_MS; SIGKILL `first`; wait
 * until every socket is `ready` on `second`; keep writing AFTER_READY_MS; stop; count.
 */
export async function socketsPart(
  system: "ours" | "baseline",
  clients: Clients,
  first: BenchProcess,
  second: BenchProcess,
  s: Setup,
  write: (k: number) => Promise<number>,
  log: (t: string) => void,
) {
  const layout = Array.from({ length: STORM_SOCKETS }, (_, i) => ({
    org: s.storm[i % STORM_ORGS]!,
    member: s.members[Math.floor(i / STORM_ORGS) % STORM_MEMBERS]!,
  }));
  const target = (node: BenchProcess, l: (typeof layout)[number]) =>
    system === "ours"
      ? { url: `${node.url}/orgs/${l.org.orgId}`, auth: { token: l.member.token } }
      : { url: `${node.url}/orgs/baseline`, auth: { userId: l.member.id, org: l.org.orgId } };
  log(`${system}: ${STORM_SOCKETS} sockets, RSS, then the storm`);
  await clients.open(
    `${system}-warm`,
    layout.slice(0, 50).map((l) => ({ ...target(first, l), org: l.org.orgId })),
    false,
  );
  await clients.close(`${system}-warm`);
  await sleep(1_000);
  const rssBefore = await settledRss(first.pid);
  const opened = await clients.open(
    system,
    layout.map((l) => ({ ...target(first, l), fallback: target(second, l).url, org: l.org.orgId })),
    system === "ours",
  );
  await sleep(2_000);
  const rssAfter = await settledRss(first.pid);
  const bytesPerSocket = ((rssAfter - rssBefore) * 1024) / STORM_SOCKETS;

  // Share of one core each process used: the nodes and the client process, before and during.
  const cpuNow = (pids: Record<string, number>) =>
    Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const all = { first: first.pid, second: second.pid, clients: clients.pid };
  const survivors = { second: second.pid, clients: clients.pid };
  const busy = (from: Record<string, number>, to: Record<string, number>, ms: number) =>
    Object.fromEntries(Object.keys(to).map((k) => [k, Math.round(((to[k]! - from[k]!) / ms) * 100) / 100]));
  const writer = startWriter(WRITE_EVERY_MS, write);
  await sleep(500);
  const steadyFrom = { at: wallNow(), cpu: cpuNow(all) };
  await sleep(STEADY_MS - 500);
  const killedAt = wallNow();
  const steadyCpu = busy(steadyFrom.cpu, cpuNow(all), killedAt - steadyFrom.at);
  const stormFrom = cpuNow(survivors);
  const tcpFrom = listenCounters();
  await first.kill("SIGKILL");
  log(`${system}: first node killed`);
  const ready = await clients.allReady(system, ALL_READY_TIMEOUT_MS).catch(() => undefined);
  const readyAt = ready?.at ?? wallNow();
  const stormCpu = busy(stormFrom, cpuNow(survivors), wallNow() - killedAt);
  const tcpTo = listenCounters();
  const tcpDuringStorm = Object.fromEntries(Object.keys(tcpTo).map((k) => [k, tcpTo[k]! - tcpFrom[k]!]));
  log(ready ? `${system}: all sockets ready on the second node` : `${system}: timed out waiting for all sockets`);
  await sleep(AFTER_READY_MS);
  await writer.stop();
  let tail: { heads: Record<string, number>; laggingAfter10s: number } | undefined;
  if (system === "ours") {
    const seen = await clients.report(system);
    const heads = await orgHeads(
      second.url,
      s.stormOwner.token,
      Object.fromEntries(s.storm.map((o) => [o.orgId, seen.maxSeen?.[o.orgId] ?? 0])),
    );
    tail = { heads, laggingAfter10s: (await clients.caughtUp(system, heads, 10_000)).lagging };
  }
  const report = await clients.report(system, tail?.heads);
  await clients.close(system);
  return {
    rss: {
      beforeKib: rssBefore,
      afterKib: rssAfter,
      bytesPerSocket: Math.round(bytesPerSocket),
      openMs: Math.round(opened.ms),
      failedToOpen: opened.failed,
    },
    storm: {
      /**
       * From the kill until the last socket was ready on the second node; the clients keep going
       * after the bench stops waiting (ALL_READY_TIMEOUT_MS), so this may exceed it. Null when
       * some socket never got there before the final count.
       */
      allReadyMs: readyPercentiles(report.movedAt, killedAt).p100,
      /** True when the last socket was ready within ALL_READY_TIMEOUT_MS. */
      allReadyWithinWait: ready !== undefined,
      /** Time from the kill until this share of the sockets was ready on the second node. */
      readyMs: readyPercentiles(report.movedAt, killedAt),
      readyWithinTimeout: report.movedAt.filter((at) => at - killedAt <= ALL_READY_TIMEOUT_MS).length,
      ...(system === "ours"
        ? {
            lost: report.lost + report.tailLost,
            lostInStream: report.lost,
            lostAtTail: report.tailLost,
            duplicates: report.duplicates,
            socketsBehindHead: report.behind,
            laggingAfter10s: tail?.laggingAfter10s,
          }
        : {}),
      socketsNotMoved: report.notMoved,
      connectErrors: report.connectErrors,
      errors: report.errors,
      refused: report.refused,
      revoked: report.revoked,
      readyOverTime: report.progress,
      /** Writes sent from the kill until all sockets were ready (or the bench stopped waiting). */
      writerDuringStorm: writerStats(writer.samples, killedAt, readyAt),
      writerBeforeKill: writerStats(writer.samples, 0, killedAt),
      writerAll: writerStats(writer.samples),
      coresBusyBeforeKill: steadyCpu,
      coresBusyDuringStorm: stormCpu,
      /** Machine-wide TCP listen-queue counters from the kill to all ready (or the timeout). */
      tcpDuringStorm,
    },
  };
}

export type SocketsResult = Awaited<ReturnType<typeof socketsPart>>;

function readyPercentiles(movedAt: number[], killedAt: number) {
  const sorted = movedAt.map((at) => at - killedAt).sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length < STORM_SOCKETS * (p / 100)
      ? null
      : Math.round(sorted[Math.max(0, Math.ceil((p / 100) * STORM_SOCKETS) - 1)]!);
  return { p50: at(50), p90: at(90), p99: at(99), p100: at(100) };
}
