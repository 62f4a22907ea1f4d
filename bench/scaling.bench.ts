/**
 * `npm run bench -- scaling`: the inputs of the scaling plan (docs/scaling.md), each with its method
 * and, where one exists, a baseline from the same run. Public interface only (spawned
 * `node --import tsx server/main.ts`, HTTP, Socket.IO, `server/config.ts` variables), plus SQL
 * against the run's own database and a private `redis-server` (so INFO counts only this run).
 *
 * 1. CPU-µs per delivered event per socket: one org, 0 / S/2 / S sockets split over nodes A and B
 *    (sockets in ./audience.ts), M sequential `PATCH /v1/orgs/{orgId}` on A, each awaited until the
 *    last socket got it; utime+stime of A and B from /proc/<pid>/stat; (CPU at S − CPU at 0) / (M×S).
 *    Baseline: two plain Socket.IO servers (./baseline-server.ts) broadcasting the same event M
 *    times to 0 and S sockets, same formula.
 * 2. Redis commands and bytes per mutation: INFO commandstats and INFO stats (total_net_*_bytes)
 *    before/after each phase of 1 (0 subscribed nodes, then 2), divided by M.
 * 3. RSS per idle socket: VmRSS (median of 5 samples) of A and B at 0, S/2 and S sockets, beside
 *    the baseline servers'; and, less disturbed by earlier garbage, of fresh processes before and
 *    after ACTIVE sockets on ACTIVE orgs: node C, and a plain Socket.IO server with one room per org.
 * 4. Head poll: ORGS (50k) orgs created through POST /v1/orgs, one socket each on node A at
 *    1k/5k/ACTIVE (10k) active orgs; A's idle CPU ms per second (HEAD_POLL_MS = 1,000, so ms per
 *    poll cycle) beside 0 active orgs; the headsOf query timed and EXPLAIN ANALYZEd at each size and
 *    at all ORGS ids (below 50k orgs, heads are added straight into event_heads with FK triggers
 *    off up to 50k, then removed). Beside it the same sockets on node C with HEAD_POLL_MS = 1 h:
 *    the sockets' idle cost without the poll.
 * 5. Bytes per event row: pg_total_relation_size('events') / count(*) at the end.
 * Sizes: BENCH_SCALING_SOCKETS (2,000), BENCH_SCALING_MUTATIONS (300), BENCH_SCALING_ORGS (50,000),
 * BENCH_SCALING_ACTIVE (10,000), BENCH_SCALING_IDLE_SECONDS (10).
 */
import { loadavg } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { createTestDatabase, uniquePrefix } from "../test/support/services.js";
import { eventRowSizes, timeAt50kHeads, timeHeadsQuery } from "./scaling-queries.js";
import { printScalingInputs } from "./scaling-report.js";
import {
  audience,
  cpuDelta,
  cpuOf,
  idleCpuMs,
  privateRedis,
  redisPerMutation,
  redisSnapshot,
  round,
  settledRss,
  sum,
} from "./scaling-support.js";
import { api, type BenchProcess, sleep, spawnBaseline, spawnOrgwire, writeResult } from "./support.js";

const SOCKETS = Number(process.env.BENCH_SCALING_SOCKETS ?? 2_000);
const MUTATIONS = Number(process.env.BENCH_SCALING_MUTATIONS ?? 300);
const ORGS = Number(process.env.BENCH_SCALING_ORGS ?? 50_000);
/** Active orgs (one socket each) measured on one node; past 10k one audience process runs out of descriptors. */
const ACTIVE = Math.min(ORGS, Number(process.env.BENCH_SCALING_ACTIVE ?? 10_000));
const ORG_STEPS = [1_000, 5_000, ACTIVE].filter((n, i, a) => n <= ACTIVE && a.indexOf(n) === i);
const IDLE_SECONDS = Number(process.env.BENCH_SCALING_IDLE_SECONDS ?? 10);
const ORG_CREATORS = 4;
const ORG_CONCURRENCY = 32;

export async function runScalingBench() {
  const started = Date.now();
  const loadAtStart = loadavg();
  const log = (t: string) => console.log(`[scaling ${((Date.now() - started) / 1000).toFixed(0)} s] ${t}`);
  const redisServer = await privateRedis(log);
  const database = await createTestDatabase();
  const prefix = uniquePrefix("scale");
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: prefix,
    ORGS_PER_USER_PER_HOUR: "1000000",
    HEAD_POLL_MS: "1000",
  };
  const running: BenchProcess[] = [];
  const people = audience();
  let people2: ReturnType<typeof audience> | undefined;
  let people3: ReturnType<typeof audience> | undefined;
  let people4: ReturnType<typeof audience> | undefined;
  const redis = new Redis(redisServer.url);
  const admin = new pg.Client({ connectionString: database.url });
  try {
    const A = await spawnOrgwire({ ...env, NODE_ID: "scale-a" });
    running.push(A);
    const B = await spawnOrgwire({ ...env, NODE_ID: "scale-b" });
    running.push(B);
    const baseEnv = { REDIS_URL: redisServer.url, REDIS_PREFIX: `${prefix}baseline` };
    const X = await spawnBaseline(baseEnv);
    running.push(X);
    const Y = await spawnBaseline(baseEnv);
    running.push(Y);
    await admin.connect();

    const owner = await api<{ user: { id: string }; token: string }>(A.url, "POST", "/v1/auth/signup", {
      body: { email: `scale-owner-${Date.now()}@example.com`, password: "correct horse battery", name: "o" },
      expect: 201,
    });
    const org = await api<{ id: string }>(A.url, "POST", "/v1/orgs", {
      token: owner.token,
      body: { name: "scaling" },
      expect: 201,
    });
    let k = 0;
    const patch = () =>
      api(A.url, "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `n${k++}` }, expect: 200 });
    // JIT and pools warm before the 0-socket phase, which is otherwise the coldest and so the costliest.
    for (let i = 0; i < MUTATIONS; i++) await patch();
    const headSeq = async () =>
      Number((await admin.query("select seq from event_heads where org_id = $1", [org.id])).rows[0].seq);
    const sample = (
      await api<{ items: { type: string }[] }>(A.url, "GET", `/v1/orgs/${org.id}/events?since=0&limit=500`, {
        token: owner.token,
        expect: 200,
      })
    ).items.findLast((e) => e.type === "org.updated");

    /** M sequential mutations, each awaited until every socket of `systems` had it. */
    const ourPhase = async (systems: string[]) => {
      let seq = await headSeq();
      await sleep(1_000);
      const rBefore = await redisSnapshot(redis);
      const r0 = await redisSnapshot(redis);
      const overhead = { in: r0.inBytes - rBefore.inBytes, out: r0.outBytes - rBefore.outBytes };
      const c0 = cpuOf({ A, B });
      const t0 = performance.now();
      for (let i = 0; i < MUTATIONS; i++) {
        await patch();
        seq++;
        for (const s of systems) await people.last(s, seq);
      }
      const wallMs = performance.now() - t0;
      const cpu = cpuDelta(c0, cpuOf({ A, B }));
      const r1 = await redisSnapshot(redis);
      return {
        cpuMs: cpu,
        totalCpuMs: round(sum(cpu), 1),
        wallMs: Math.round(wallMs),
        redis: redisPerMutation(r0, r1, MUTATIONS, overhead),
      };
    };
    let bseq = 0;
    const basePhase = async (systems: string[]) => {
      await sleep(1_000);
      const c0 = cpuOf({ X, Y });
      const t0 = performance.now();
      for (let i = 0; i < MUTATIONS; i++) {
        bseq++;
        const res = await fetch(`${X.url}/broadcast`, {
          method: "POST",
          body: JSON.stringify({ ...sample, seq: bseq }),
        });
        await res.arrayBuffer();
        for (const s of systems) await people.last(s, bseq);
      }
      const wallMs = performance.now() - t0;
      const cpu = cpuDelta(c0, cpuOf({ X, Y }));
      return { cpuMs: cpu, totalCpuMs: round(sum(cpu), 1), wallMs: Math.round(wallMs) };
    };
    const half = Math.floor(SOCKETS / 2);
    const targets = (n: number, offset: number, url: (i: number) => string, auth: (i: number) => object) =>
      Array.from({ length: n }, (_, i) => ({ url: url(offset + i), auth: { ...auth(offset + i) } }));

    log(`1-3: ${MUTATIONS} mutations at 0, ${half} and ${SOCKETS} sockets (A+B), same for the baseline`);
    for (let i = 0; i < MUTATIONS; i++) {
      await (
        await fetch(`${X.url}/broadcast`, { method: "POST", body: JSON.stringify({ ...sample, seq: 0 }) })
      ).arrayBuffer();
    }
    const ours0 = await ourPhase([]);
    const base0 = await basePhase([]);
    await sleep(2_000);
    /** Settled RSS of the four nodes, one after the other (so one sample does not disturb another). */
    const rssOfNodes = async () => ({
      A: await settledRss(A.pid),
      B: await settledRss(B.pid),
      X: await settledRss(X.pid),
      Y: await settledRss(Y.pid),
    });
    const rss0 = await rssOfNodes();
    const ourUrl = (i: number) => `${(i % 2 ? B : A).url}/orgs/${org.id}`;
    const baseUrl = (i: number) => `${(i % 2 ? Y : X).url}/orgs/baseline`;
    await people.open(
      "s1",
      targets(half, 0, ourUrl, () => ({ token: owner.token })),
    );
    await people.open(
      "b1",
      targets(half, 0, baseUrl, (i) => ({ userId: `u${i}` })),
    );
    await sleep(2_000);
    const rss1 = await rssOfNodes();
    const oursHalf = await ourPhase(["s1"]);
    const baseHalf = await basePhase(["b1"]);
    await people.open(
      "s2",
      targets(SOCKETS - half, half, ourUrl, () => ({ token: owner.token })),
    );
    await people.open(
      "b2",
      targets(SOCKETS - half, half, baseUrl, (i) => ({ userId: `u${i}` })),
    );
    await sleep(2_000);
    const rss2 = await rssOfNodes();
    const oursFull = await ourPhase(["s1", "s2"]);
    const baseFull = await basePhase(["b1", "b2"]);
    people.close();
    for (const p of [X, Y, B]) await p.kill("SIGTERM");

    const perSocketUs = (at: { totalCpuMs: number }, zero: { totalCpuMs: number }, s: number) =>
      round(((at.totalCpuMs - zero.totalCpuMs) * 1000) / (MUTATIONS * s), 3);
    const cpuPerDelivery = {
      method:
        "utime+stime of both processes over M sequential mutations (each awaited until the last socket had it), minus the same at 0 sockets, / (M × S)",
      mutations: MUTATIONS,
      ours: { at0: ours0, atHalf: oursHalf, atFull: oursFull },
      baseline: { at0: base0, atHalf: baseHalf, atFull: baseFull },
      usPerEventPerSocket: {
        ours: { [half]: perSocketUs(oursHalf, ours0, half), [SOCKETS]: perSocketUs(oursFull, ours0, SOCKETS) },
        baseline: { [half]: perSocketUs(baseHalf, base0, half), [SOCKETS]: perSocketUs(baseFull, base0, SOCKETS) },
        /** The slope between S/2 and S: the per-socket cost without the per-mutation cost of having any stream. */
        oursSlope: round(((oursFull.totalCpuMs - oursHalf.totalCpuMs) * 1000) / (MUTATIONS * (SOCKETS - half)), 3),
        baselineSlope: round(((baseFull.totalCpuMs - baseHalf.totalCpuMs) * 1000) / (MUTATIONS * (SOCKETS - half)), 3),
      },
      cpuMsPerMutationAt0: round(ours0.totalCpuMs / MUTATIONS, 3),
    };
    const perSock = (a: number, b: number, n: number) => Math.round(((b - a) * 1024) / n);
    const rssPerSocket = {
      method: "VmRSS (median of 5 samples) before and after opening the sockets, each node holding S/2",
      kib: { at0: rss0, atHalf: rss1, atFull: rss2 },
      /** 0 → S/2 (S/4 per node), measured before any mutation reached the sockets. */
      bytesPerSocketAtHalf: {
        ours: Math.round((perSock(rss0.A, rss1.A, half / 2) + perSock(rss0.B, rss1.B, half / 2)) / 2),
        baseline: Math.round((perSock(rss0.X, rss1.X, half / 2) + perSock(rss0.Y, rss1.Y, half / 2)) / 2),
      },
      /** 0 → S (S/2 per node), after the S/2 phase's mutations. */
      bytesPerSocket: {
        ours: Math.round((perSock(rss0.A, rss2.A, half) + perSock(rss0.B, rss2.B, SOCKETS - half)) / 2),
        baseline: Math.round((perSock(rss0.X, rss2.X, half) + perSock(rss0.Y, rss2.Y, SOCKETS - half)) / 2),
      },
    };

    // 4: many orgs, one socket each on A.
    log(`4: creating ${ORGS} orgs through POST /v1/orgs (${ORG_CREATORS} users, concurrency ${ORG_CONCURRENCY})`);
    const creators = await Promise.all(
      Array.from({ length: ORG_CREATORS }, (_, i) =>
        api<{ token: string }>(A.url, "POST", "/v1/auth/signup", {
          body: { email: `scale-c${i}-${Date.now()}@example.com`, password: "correct horse battery", name: "c" },
          expect: 201,
        }),
      ),
    );
    const orgs: { id: string; token: string }[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: ORG_CONCURRENCY }, async () => {
        while (next < ORGS) {
          const i = next++;
          const c = creators[i % ORG_CREATORS]!;
          const o = await api<{ id: string }>(A.url, "POST", "/v1/orgs", {
            token: c.token,
            body: { name: `o${i}` },
            expect: 201,
          });
          orgs.push({ id: o.id, token: c.token });
        }
      }),
    );
    const createSeconds = (performance.now() - t0) / 1000;
    log(`4: ${ORGS} orgs in ${createSeconds.toFixed(1)} s`);

    const idleCpuOf = (pid: number) => idleCpuMs(pid, IDLE_SECONDS);
    const idleCpu = () => idleCpuOf(A.pid);
    people2 = audience();
    const idle = [{ activeOrgs: 0, cpuMsPerSecond: await idleCpu(), rssKib: await settledRss(A.pid) }];
    const timeQuery = (ids: string[]) => timeHeadsQuery(admin, ids);
    const query: Awaited<ReturnType<typeof timeQuery>>[] = [];
    let opened = 0;
    for (const n of ORG_STEPS) {
      log(`4: ${n} active orgs on A`);
      await people2.open(
        `h${n}`,
        orgs.slice(opened, n).map((o) => ({ url: `${A.url}/orgs/${o.id}`, auth: { token: o.token } })),
      );
      opened = n;
      idle.push({ activeOrgs: n, cpuMsPerSecond: await idleCpu(), rssKib: await settledRss(A.pid) });
      query.push(await timeQuery(orgs.slice(0, n).map((o) => o.id)));
    }
    if (ORGS > ACTIVE) query.push(await timeQuery(orgs.map((o) => o.id)));
    const at50k = await timeAt50kHeads(admin, 50_000 - ORGS);
    if (at50k) query.push(at50k);
    people2.close();
    const top = idle.at(-1)!;
    // The same top-N sockets on a node whose head poll never fires: what the sockets cost idle without it.
    log(`4: ${top.activeOrgs} active orgs on node C (HEAD_POLL_MS = 1 h)`);
    const C = await spawnOrgwire({ ...env, HEAD_POLL_MS: "3600000", NODE_ID: "scale-c" });
    running.push(C);
    people3 = audience();
    const noPollIdle0 = await idleCpuOf(C.pid);
    const rssC0 = await settledRss(C.pid);
    await people3.open(
      "c",
      orgs.slice(0, top.activeOrgs).map((o) => ({ url: `${C.url}/orgs/${o.id}`, auth: { token: o.token } })),
    );
    const noPoll = {
      activeOrgs: top.activeOrgs,
      cpuMsPerSecondAt0: noPollIdle0,
      cpuMsPerSecond: await idleCpuOf(C.pid),
    };
    const rssC1 = await settledRss(C.pid);
    people3.close();
    // RSS per socket on fresh processes (no signup's argon2 or earlier phases in their heap): C above,
    // and a fresh plain Socket.IO server Z with the same sockets, one room per org.
    log(`4: RSS, ${top.activeOrgs} sockets on a fresh plain Socket.IO server`);
    const Z = await spawnBaseline({ REDIS_URL: redisServer.url, REDIS_PREFIX: `${prefix}baseline-z` });
    running.push(Z);
    await sleep(5_000);
    const rssZ0 = await settledRss(Z.pid);
    people4 = audience();
    await people4.open(
      "z",
      orgs
        .slice(0, top.activeOrgs)
        .map((o, i) => ({ url: `${Z.url}/orgs/baseline`, auth: { userId: `u${i}`, org: o.id } })),
    );
    await sleep(2_000);
    const rssZ1 = await settledRss(Z.pid);
    people4.close();
    const freshRss = {
      method:
        "VmRSS (median of 5 samples) of a fresh process before and after opening one socket per org for ACTIVE orgs (node C, no mutations; baseline: plain Socket.IO, one room per org)",
      sockets: top.activeOrgs,
      ours: {
        beforeKib: rssC0,
        afterKib: rssC1,
        bytesPerSocket: Math.round(((rssC1 - rssC0) * 1024) / top.activeOrgs),
      },
      baseline: {
        beforeKib: rssZ0,
        afterKib: rssZ1,
        bytesPerSocket: Math.round(((rssZ1 - rssZ0) * 1024) / top.activeOrgs),
      },
    };
    const headPoll = {
      method:
        "node A idle (no mutations) for IDLE_SECONDS after 3 s settling, HEAD_POLL_MS = 1,000, so CPU ms per second = CPU ms per poll cycle; one socket per active org; headsOf's SQL timed from a pg client (median of 7) and EXPLAIN (ANALYZE, BUFFERS)",
      orgsCreated: ORGS,
      orgCreateSeconds: round(createSeconds, 1),
      orgCreatesPerSecond: Math.round(ORGS / createSeconds),
      idleSeconds: IDLE_SECONDS,
      idle,
      cpuMsPerCyclePer1kOrgs: round((top.cpuMsPerSecond - idle[0]!.cpuMsPerSecond) / (top.activeOrgs / 1000), 3),
      /** Same sockets, HEAD_POLL_MS = 1 h: the idle cost of the sockets and streams without the poll. */
      noPoll,
      /** Per 1k orgs: A's idle CPU less C's (same sockets, no poll) — the poll alone. */
      pollOnlyCpuMsPerCyclePer1kOrgs: round(
        (top.cpuMsPerSecond - idle[0]!.cpuMsPerSecond - (noPoll.cpuMsPerSecond - noPoll.cpuMsPerSecondAt0)) /
          (top.activeOrgs / 1000),
        3,
      ),
      rssBytesPerActiveOrgSocket: Math.round(((top.rssKib - idle[0]!.rssKib) * 1024) / top.activeOrgs),
      query,
    };

    // 5: bytes per event row.
    const eventRows = await eventRowSizes(admin);

    const result = {
      name: "scaling",
      at: new Date().toISOString(),
      machine: { cpus: 2, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg() },
      redisPrivate: redisServer.private,
      sockets: SOCKETS,
      cpuPerDelivery,
      redisPerMutation: {
        method: "INFO commandstats / INFO stats before and after each phase of M mutations, / M (INFO itself excluded)",
        subscribedNodes0: ours0.redis,
        subscribedNodes2: oursFull.redis,
      },
      rssPerSocket: { ...rssPerSocket, fresh: freshRss },
      headPoll,
      eventRows,
      benchSeconds: Math.round((Date.now() - started) / 1000),
    };
    const path = writeResult("scaling", result);
    printScalingInputs(result);
    console.log(`written to ${path}`);
    return result;
  } finally {
    people.close();
    people2?.close();
    people3?.close();
    people4?.close();
    redis.disconnect();
    await admin.end().catch(() => {});
    for (const p of running.reverse()) await p.kill("SIGKILL");
    await database.drop();
    redisServer.stop();
  }
}
