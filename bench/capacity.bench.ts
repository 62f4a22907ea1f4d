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
 */
import { execFile, fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "../test/support/services.js";
import {
  api,
  type BenchProcess,
  cpuMs,
  listenCounters,
  ratio,
  rssKib,
  type Stats,
  sleep,
  spawnBaseline,
  spawnOrgwire,
  stats,
  wallNow,
  writeResult,
} from "./support.js";

/** Measured seconds per throughput figure, in SLICES slices alternating Orgwire and pgbench. */
const SECONDS = Number(process.env.BENCH_CAP_SECONDS ?? 8);
const SLICES = 2;
/** Unrecorded first second of each slice. */
const WARMUP_SECONDS = 1;
/** Unrecorded load on each freshly spawned node before it is measured (JIT, pools). */
const NODE_WARMUP_SECONDS = 3;
const WRITERS = 8;
const CPU_REQUESTS = Number(process.env.BENCH_CAP_CPU_REQUESTS ?? 800);
const CPU_CONCURRENCY = 4;
const STORM_SOCKETS = Number(process.env.BENCH_CAP_SOCKETS ?? 5_000);
const STORM_ORGS = Number(process.env.BENCH_CAP_ORGS ?? 10);
const STORM_MEMBERS = Number(process.env.BENCH_CAP_MEMBERS ?? 10);
const WRITE_EVERY_MS = 20;
const STEADY_MS = 3_000;
const ALL_READY_TIMEOUT_MS = 45_000;
const AFTER_READY_MS = 2_000;
const VPS = { type: "vps", name: "bench-vps" };

interface User {
  id: string;
  token: string;
  email: string;
}

// ---------------------------------------------------------------------------------------------
// Setup through the public API: signups, orgs, projects, invitations accepted from the mail link
// that the dev outbox writes to the log (LOG_LEVEL=info on the setup node only).

function mailLinks(node: BenchProcess) {
  const links = new Map<string, string[]>();
  const waiters = new Map<string, () => void>();
  node.onLine((line) => {
    if (!line.startsWith("{")) return;
    try {
      const mail = JSON.parse(line).mail as { to?: string; link?: string } | undefined;
      if (!mail?.to || !mail.link) return;
      links.set(mail.to, [...(links.get(mail.to) ?? []), mail.link]);
      waiters.get(mail.to)?.();
    } catch {
      // not a log line
    }
  });
  return async (email: string): Promise<string> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const link = links.get(email)?.shift();
      if (link) return link.split("/invite/")[1]!;
      if (Date.now() > deadline) throw new Error(`no invitation mail for ${email}`);
      await new Promise<void>((r) => {
        waiters.set(email, r);
        setTimeout(r, 200);
      });
    }
  };
}

async function signup(url: string, label: string): Promise<User> {
  const email = `${label}-${randomBytes(4).toString("hex")}@example.com`;
  const body = await api<{ user: { id: string }; token: string }>(url, "POST", "/v1/auth/signup", {
    body: { email, password: "correct horse battery", name: label },
    expect: 201,
  });
  return { id: body.user.id, token: body.token, email };
}

async function orgWithProject(url: string, owner: User, name: string) {
  const org = await api<{ id: string }>(url, "POST", "/v1/orgs", { token: owner.token, body: { name }, expect: 201 });
  const project = await api<{ id: string }>(url, "POST", `/v1/orgs/${org.id}/projects`, {
    token: owner.token,
    body: { name: `${name} project` },
    expect: 201,
  });
  return { orgId: org.id, projectId: project.id };
}

async function addMember(
  url: string,
  nextLink: (email: string) => Promise<string>,
  owner: User,
  orgId: string,
  member: User,
  role: string,
) {
  await api(url, "POST", `/v1/orgs/${orgId}/invitations`, {
    token: owner.token,
    body: { email: member.email, role },
    expect: 201,
  });
  const token = await nextLink(member.email);
  await api(url, "POST", `/v1/invitations/${token}/accept`, { token: member.token, expect: 200 });
}

// ---------------------------------------------------------------------------------------------
// HTTP load: closed loop (each worker sends its next request when the last one answered), over
// keep-alive connections, one per worker.

interface Job {
  url: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  expect: number;
}

function send(agent: Agent, job: Job): Promise<number> {
  const target = new URL(job.path, job.url);
  const payload = job.body === undefined ? undefined : JSON.stringify(job.body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        agent,
        method: job.method,
        headers: {
          ...(job.token ? { authorization: `Bearer ${job.token}` } : {}),
          ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

interface LoadResult extends Stats {
  opsPerSec: number;
  errors: number;
}

/** One stretch of load: the latencies of the requests that started and ended inside `seconds`. */
interface Slice {
  latencies: number[];
  seconds: number;
  errors: number;
}

function summarize(slices: Slice[]): LoadResult {
  const latencies = slices.flatMap((s) => s.latencies);
  const seconds = slices.reduce((a, s) => a + s.seconds, 0);
  const errors = slices.reduce((a, s) => a + s.errors, 0);
  return { opsPerSec: Math.round((latencies.length / seconds) * 10) / 10, errors, ...stats(latencies) };
}

/** `workers[i](k)` is worker i's k-th request. Either for a duration (after a warm-up) or a count. */
async function closedLoop(
  workers: ((k: number) => Job)[],
  until: { seconds: number; warmupSeconds: number } | { total: number },
): Promise<Slice> {
  const agent = new Agent({ keepAlive: true, maxSockets: workers.length });
  const start = performance.now();
  const timed = "seconds" in until;
  const from = timed ? start + until.warmupSeconds * 1000 : start;
  const end = timed ? from + until.seconds * 1000 : Number.POSITIVE_INFINITY;
  let remaining = timed ? Number.POSITIVE_INFINITY : until.total;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(
    workers.map(async (job) => {
      for (let k = 0; performance.now() < end && remaining-- > 0; k++) {
        const spec = job(k);
        const t0 = performance.now();
        const status = await send(agent, spec).catch(() => 0);
        const t1 = performance.now();
        if (status !== spec.expect) errors++;
        else if (t0 >= from && t1 <= end) latencies.push(t1 - t0);
      }
    }),
  );
  const elapsed = (timed ? end : performance.now()) - from;
  agent.destroy();
  return { latencies, seconds: elapsed / 1000, errors };
}

// ---------------------------------------------------------------------------------------------
// pgbench: the same transaction shape as a mutation, on the same tables.

// bench_targets (made by seed()) maps n to an org, its project and the writer; the first statement
// locks the head and reads the writer's role in one round trip, as the node does.
const PGBENCH_SCRIPT = (target: string) => `\\set n ${target}
BEGIN;
SELECT t.org_id AS org, t.project_id AS project, t.user_id AS uid, h.seq AS seq, h.hash AS hash, m.role AS role FROM bench_targets t JOIN event_heads h ON h.org_id = t.org_id JOIN orgs o ON o.id = h.org_id LEFT JOIN memberships m ON m.org_id = h.org_id AND m.user_id = t.user_id WHERE t.n = :n AND o.deleted_at IS NULL FOR UPDATE OF h \\gset
INSERT INTO resources (id, org_id, project_id, type, name, config) VALUES (gen_random_uuid(), :org::uuid, :project::uuid, 'vps', 'bench-vps', '{"image": "debian-12", "plan": "s1", "region": "eu-west", "sshKeys": []}'::jsonb);
WITH appended AS (INSERT INTO events (id, org_id, seq, type, occurred_at, actor_type, actor_id, actor_email, project_id, target_type, target_id, subject_user_id, owner_only, data, context, prev_hash, hash) VALUES (gen_random_uuid(), :org::uuid, :seq::bigint + 1, 'resource.created', date_trunc('milliseconds', now()), 'user', :uid::text, 'bench@example.com', :project::uuid, 'resource', gen_random_uuid()::text, NULL, false, '{"type": "vps", "name": "bench-vps", "config": {"image": "debian-12", "plan": "s1", "region": "eu-west", "sshKeys": []}}'::jsonb, '{"ip": "127.0.0.1", "userAgent": "pgbench", "requestId": "pgbench"}'::jsonb, :hash::text, md5(:hash::text || :seq::text)) RETURNING seq) UPDATE event_heads SET seq = :seq::bigint + 1, hash = md5(:hash::text || :seq::text) WHERE org_id = :org::uuid AND EXISTS (SELECT 1 FROM appended);
END;
`;

function runPgbench(databaseUrl: string, target: string, seconds: number): Promise<Slice> {
  const dir = mkdtempSync(join(tmpdir(), "orgwire-pgbench-"));
  const script = join(dir, "mutation.sql");
  writeFileSync(script, PGBENCH_SCRIPT(target));
  const url = new URL(databaseUrl);
  const args = ["-n", "-c", String(WRITERS), "-j", "2", "-T", String(seconds + WARMUP_SECONDS), "-M", "prepared"];
  args.push("-f", script, "-l", "--log-prefix", join(dir, "tx"), "-h", url.hostname, "-p", url.port || "5432");
  args.push("-U", decodeURIComponent(url.username || "postgres"), url.pathname.slice(1));
  const startedAt = Date.now() / 1000;
  return new Promise((resolve, reject) => {
    execFile("pgbench", args, { cwd: dir }, (err, stdout, stderr) => {
      try {
        if (err) throw new Error(`pgbench failed: ${err.message}\n${stdout}\n${stderr}`);
        const from = startedAt + WARMUP_SECONDS;
        const end = from + seconds;
        const latencies: number[] = [];
        let failed = 0;
        for (const file of readdirSync(dir).filter((f) => f.startsWith("tx."))) {
          for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
            const f = line.split(" ");
            if (f.length < 6) continue;
            if (f[2] === "failed" || f[2] === "skipped") {
              failed++;
              continue;
            }
            const doneAt = Number(f[4]) + Number(f[5]) / 1e6;
            const latencyMs = Number(f[2]) / 1000;
            if (doneAt - latencyMs / 1000 >= from && doneAt <= end) latencies.push(latencyMs);
          }
        }
        resolve({ latencies, seconds, errors: failed });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The client process (./capacity-clients.ts).

interface Opened {
  ms: number;
  failed: number;
}
interface AllReady {
  at: number;
  firstDisconnectAt?: number;
}
interface ClientReport {
  sockets: number;
  lost: number;
  tailLost: number;
  duplicates: number;
  behind: number;
  notMoved: number;
  maxSeen: Record<string, number>;
  connectErrors: number;
  errors: Record<string, number>;
  progress: [number, number][];
  movedAt: number[];
  refused: number;
  revoked: number;
}

function startClients() {
  const child = fork(new URL("./capacity-clients.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: "inherit",
  });
  const waiters = new Map<string, (m: unknown) => void>();
  const early = new Map<string, unknown>();
  child.on("message", (m: { type: string; system: string }) => {
    const key = `${m.type}:${m.system}`;
    const w = waiters.get(key);
    if (w) {
      waiters.delete(key);
      w(m);
    } else early.set(key, m);
  });
  const wait = <T>(key: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      if (early.has(key)) {
        const e = early.get(key);
        early.delete(key);
        return resolve(e as T);
      }
      const timer = setTimeout(() => {
        waiters.delete(key);
        reject(new Error(`clients: no ${key} after ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.set(key, (m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
    });
  const ask = <T>(
    message: { type: string; system: string; [k: string]: unknown },
    reply: string,
    timeoutMs = 120_000,
  ) => {
    const answer = wait<T>(`${reply}:${message.system}`, timeoutMs);
    child.send(message);
    return answer;
  };
  return {
    pid: child.pid ?? 0,
    open: (system: string, targets: unknown[], resume: boolean) =>
      ask<Opened>({ type: "open", system, targets, resume }, "opened", 180_000),
    report: (system: string, heads?: Record<string, number>) =>
      ask<ClientReport>({ type: "report", system, heads }, "report"),
    caughtUp: (system: string, heads: Record<string, number>, timeoutMs: number) =>
      ask<{ lagging: number }>({ type: "caughtUp", system, heads, timeoutMs }, "caughtUp", timeoutMs + 10_000),
    close: (system: string) => ask({ type: "close", system }, "closed"),
    allReady: (system: string, timeoutMs: number) => wait<AllReady>(`allReady:${system}`, timeoutMs),
    exit: () => {
      if (child.connected) child.send({ type: "exit" });
      setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
    },
  };
}

/** Median of a few RSS samples over a second (GC makes single samples jumpy), in KiB. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssKib(pid));
    await sleep(250);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/** Open loop: one call every `everyMs` whatever the previous ones do; latency from each send. */
type WriteSample = { at: number; ms: number; ok: boolean; outcome: string };

function startWriter(everyMs: number, fire: (k: number) => Promise<number>) {
  const samples: WriteSample[] = [];
  /** Each unanswered call, with what counts it as failed if it is still unanswered at stop. */
  const pending = new Map<Promise<void>, () => void>();
  let stopped = false;
  let k = 0;
  const t0 = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const at = wallNow();
      const started = performance.now();
      let counted = false;
      const count = (outcome: string) => {
        if (counted) return;
        counted = true;
        samples.push({ at, ms: performance.now() - started, ok: /^2\d\d$/.test(outcome), outcome });
      };
      const p = fire(k++)
        .then((status) => String(status))
        .catch((err: NodeJS.ErrnoException) => err.code ?? err.message)
        .then(count);
      pending.set(p, () => count("unanswered"));
      void p.finally(() => pending.delete(p));
      const next = t0 + k * everyMs;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    samples,
    /** Stops writing; calls still unanswered after `graceMs` count as failed, with their age as latency. */
    async stop(graceMs = 5_000) {
      stopped = true;
      await loop;
      await Promise.race([Promise.all(pending.keys()), sleep(graceMs)]);
      for (const censor of pending.values()) censor();
      pending.clear();
    },
  };
}

const writerStats = (samples: WriteSample[], from = 0, to = Infinity) => {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const failures: Record<string, number> = {};
  for (const s of inside) if (!s.ok) failures[s.outcome] = (failures[s.outcome] ?? 0) + 1;
  return { ...stats(inside.map((s) => s.ms)), failed: inside.filter((s) => !s.ok).length, failures };
};

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

// ---------------------------------------------------------------------------------------------

type Env = Record<string, string>;
type Kill = { kill: (signal?: NodeJS.Signals) => Promise<void> };
type Target = { orgId: string; projectId: string };

interface Setup {
  writers: User[];
  members: User[];
  own: Target[];
  hot: Target;
  storm: Target[];
  stormOwner: User;
}

/** Users, orgs, projects and memberships, through a setup node that also runs the migrations. */
async function seed(env: Env, databaseUrl: string): Promise<Setup> {
  const setup = await spawnOrgwire({
    ...env,
    NODE_ID: "cap-setup",
    LOG_LEVEL: "info",
    INVITATIONS_PER_ORG_PER_HOUR: "100000",
    INVITATIONS_PER_USER_PER_HOUR: "100000",
  });
  try {
    const nextLink = mailLinks(setup);
    const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => signup(setup.url, `writer${i}`)));
    const members = await Promise.all(Array.from({ length: STORM_MEMBERS }, (_, i) => signup(setup.url, `member${i}`)));
    const own = await Promise.all(writers.map((w, i) => orgWithProject(setup.url, w, `own ${i}`)));
    const hot = own[0]!;
    for (const w of writers.slice(1)) await addMember(setup.url, nextLink, writers[0]!, hot.orgId, w, "editor");
    const stormOwner = writers[0]!;
    const storm = await Promise.all(
      Array.from({ length: STORM_ORGS }, (_, i) => orgWithProject(setup.url, stormOwner, `storm ${i}`)),
    );
    await Promise.all(
      storm.map(async (o) => {
        for (const m of members) await addMember(setup.url, nextLink, stormOwner, o.orgId, m, "viewer");
      }),
    );
    // pgbench's targets: (a) client i on writer i's own org (n = i), (b) all on the hot org (n = 100 + i).
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query("create table bench_targets (n int primary key, org_id uuid, project_id uuid, user_id uuid)");
      for (let i = 0; i < WRITERS; i++) {
        const sql = "insert into bench_targets values ($1, $2, $3, $4)";
        await admin.query(sql, [i, own[i]!.orgId, own[i]!.projectId, writers[i]!.id]);
        await admin.query(sql, [100 + i, hot.orgId, hot.projectId, writers[i]!.id]);
      }
    } finally {
      await admin.end();
    }
    return { writers, members, own, hot, storm, stormOwner };
  } finally {
    await setup.kill("SIGTERM");
  }
}

const resourceJob =
  (url: string, writer: User, target: Target): ((k: number) => Job) =>
  () => ({
    url,
    method: "POST",
    path: `/v1/orgs/${target.orgId}/projects/${target.projectId}/resources`,
    token: writer.token,
    body: VPS,
    expect: 201,
  });

const shapes = {
  perOrg: (s: Setup, urls: string[]) => s.writers.map((w, i) => resourceJob(urls[i % urls.length]!, w, s.own[i]!)),
  hotOrg: (s: Setup, urls: string[]) => s.writers.map((w, i) => resourceJob(urls[i % urls.length]!, w, s.hot)),
};

const throughputRow = (ours: LoadResult, base: LoadResult) => ({
  ours,
  pgbench: base,
  opsRatio: ratio(ours.opsPerSec, base.opsPerSec),
  p99Ratio: ratio(ours.p99, base.p99),
});

/** 1: one node (`nodeB`), pgbench, then two nodes (`nodeB` and a node started here). */
async function throughputPart(s: Setup, env: Env, databaseUrl: string, nodeB: BenchProcess, log: (t: string) => void) {
  // Orgwire and pgbench alternate slice by slice, so that both see the same (shared) machine.
  const sliceSeconds = Math.max(1, Math.round(SECONDS / SLICES));
  const timed = { seconds: sliceSeconds, warmupSeconds: WARMUP_SECONDS };
  const slices = { perOrg: [] as Slice[], hot: [] as Slice[], pgPerOrg: [] as Slice[], pgHot: [] as Slice[] };
  for (let round = 0; round < SLICES; round++) {
    log(`throughput, one node, and pgbench: slice ${round + 1} of ${SLICES}`);
    slices.perOrg.push(await closedLoop(shapes.perOrg(s, [nodeB.url]), timed));
    slices.pgPerOrg.push(await runPgbench(databaseUrl, ":client_id % 8", sliceSeconds));
    slices.hot.push(await closedLoop(shapes.hotOrg(s, [nodeB.url]), timed));
    slices.pgHot.push(await runPgbench(databaseUrl, "100 + :client_id % 8", sliceSeconds));
  }
  const [oneNodePerOrg, oneNodeHot, pgPerOrg, pgHot] = [slices.perOrg, slices.hot, slices.pgPerOrg, slices.pgHot].map(
    summarize,
  ) as [LoadResult, LoadResult, LoadResult, LoadResult];
  log("throughput, two nodes");
  const nodeC = await spawnOrgwire({ ...env, NODE_ID: "cap-c" });
  try {
    await closedLoop(shapes.perOrg(s, [nodeC.url]), { seconds: NODE_WARMUP_SECONDS, warmupSeconds: 0 });
    const twoNodes = { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
    const twoNodesPerOrg = summarize([await closedLoop(shapes.perOrg(s, [nodeB.url, nodeC.url]), twoNodes)]);
    const twoNodesHot = summarize([await closedLoop(shapes.hotOrg(s, [nodeB.url, nodeC.url]), twoNodes)]);
    return {
      concurrency: WRITERS,
      seconds: SECONDS,
      request: "POST /v1/orgs/{orgId}/projects/{projectId}/resources (vps)",
      oneNode: { perOrg: throughputRow(oneNodePerOrg, pgPerOrg), hotOrg: throughputRow(oneNodeHot, pgHot) },
      twoNodes: { perOrg: throughputRow(twoNodesPerOrg, pgPerOrg), hotOrg: throughputRow(twoNodesHot, pgHot) },
    };
  } finally {
    await nodeC.kill();
  }
}

/** 2: the node's CPU time per request over CPU_REQUESTS requests at CPU_CONCURRENCY. */
async function cpuPart(s: Setup, node: BenchProcess, log: (t: string) => void) {
  log("CPU per request on the node");
  const idleFrom = cpuMs(node.pid);
  const idleT0 = performance.now();
  await sleep(2_000);
  const idleMsPerSec = ((cpuMs(node.pid) - idleFrom) / (performance.now() - idleT0)) * 1000;
  const cpuPer = async (make: (i: number, k: number) => Job) => {
    const c0 = cpuMs(node.pid);
    const t0 = performance.now();
    const load = summarize([
      await closedLoop(
        Array.from({ length: CPU_CONCURRENCY }, (_, i) => (k: number) => make(i, k)),
        { total: CPU_REQUESTS },
      ),
    ]);
    const wallMs = performance.now() - t0;
    const used = cpuMs(node.pid) - c0;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      requests: CPU_REQUESTS,
      concurrency: CPU_CONCURRENCY,
      errors: load.errors,
      cpuMsPerRequest: round(used / CPU_REQUESTS),
      cpuMsPerRequestLessIdle: round((used - (idleMsPerSec * wallMs) / 1000) / CPU_REQUESTS),
      p50: load.p50,
      p99: load.p99,
    };
  };
  const patchOrg = await cpuPer((i, k) => ({
    url: node.url,
    method: "PATCH",
    path: `/v1/orgs/${s.own[i]!.orgId}`,
    token: s.writers[i]!.token,
    body: { name: `renamed ${k}` },
    expect: 200,
  }));
  const getOrg = await cpuPer((i) => ({
    url: node.url,
    method: "GET",
    path: `/v1/orgs/${s.own[i]!.orgId}`,
    token: s.writers[i]!.token,
    expect: 200,
  }));
  const healthz = await cpuPer(() => ({ url: node.url, method: "GET", path: "/healthz", expect: 200 }));
  return {
    idleCpuMsPerSecond: Math.round(idleMsPerSec * 100) / 100,
    patchOrg,
    getOrg,
    healthz,
    patchOverGetOrg: ratio(patchOrg.cpuMsPerRequest, getOrg.cpuMsPerRequest),
  };
}

type Clients = ReturnType<typeof startClients>;

/** What the storm's writer commits, shaped like the envelope Orgwire sends for it (for the baseline). */
const baselineEvent = (orgId: string, projectId: string, seq: number) => ({
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
async function socketsPart(
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

function readyPercentiles(movedAt: number[], killedAt: number) {
  const sorted = movedAt.map((at) => at - killedAt).sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length < STORM_SOCKETS * (p / 100)
      ? null
      : Math.round(sorted[Math.max(0, Math.ceil((p / 100) * STORM_SOCKETS) - 1)]!);
  return { p50: at(50), p90: at(90), p99: at(99), p100: at(100) };
}

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

const PARTS = new Set((process.env.BENCH_CAP_PARTS ?? "throughput,cpu,sockets").split(","));

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

    type SocketsResult = Awaited<ReturnType<typeof socketsPart>>;
    let sockets: { ours: SocketsResult; baseline: SocketsResult } | null = null;
    if (PARTS.has("sockets")) {
      // The plain Socket.IO pair first, then Orgwire on a fresh node A (node B takes over).
      const baselineEnv = { REDIS_URL, REDIS_PREFIX: `${prefix}baseline` };
      const base1 = spawned(await spawnBaseline(baselineEnv));
      const base2 = spawned(await spawnBaseline(baselineEnv));
      const seqs = new Map<string, number>();
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
          return fetch(`${base2.url}/broadcast?room=org:${target.orgId}`, {
            method: "POST",
            body: JSON.stringify(baselineEvent(target.orgId, target.projectId, seq)),
          }).then((r) => r.status);
        },
        log,
      );
      await base2.kill();
      const nodeA = spawned(await spawnOrgwire({ ...env, NODE_ID: "cap-a" }));
      const agent = new Agent({ keepAlive: true, maxSockets: 512 });
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
      sockets = { ours, baseline };
    }

    const result = {
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

type CapacityResult = Awaited<ReturnType<typeof runCapacityBench>>;

function printSummary(r: CapacityResult) {
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
