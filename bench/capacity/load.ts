/**
 * HTTP load: closed loop (each worker sends its next request when the last one answered), over
 * keep-alive connections, one per worker.
 */
import { Agent, request } from "node:http";
import { type Stats, stats } from "../support.js";
import { VPS } from "./config.js";
import type { Setup, Target, User } from "./setup.js";

export interface Job {
  url: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  expect: number;
}

export function send(agent: Agent, job: Job): Promise<number> {
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

export interface LoadResult extends Stats {
  opsPerSec: number;
  errors: number;
}

/** One stretch of load: the latencies of the requests that started and ended inside `seconds`. */
export interface Slice {
  latencies: number[];
  seconds: number;
  errors: number;
}

export function summarize(slices: Slice[]): LoadResult {
  const latencies = slices.flatMap((s) => s.latencies);
  const seconds = slices.reduce((a, s) => a + s.seconds, 0);
  const errors = slices.reduce((a, s) => a + s.errors, 0);
  return { opsPerSec: Math.round((latencies.length / seconds) * 10) / 10, errors, ...stats(latencies) };
}

/** `workers[i](k)` is worker i's k-th request. Either for a duration (after a warm-up) or a count. */
export async function closedLoop(
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

export const resourceJob =
  (url: string, writer: User, target: Target): ((k: number) => Job) =>
  () => ({
    url,
    method: "POST",
    path: `/v1/orgs/${target.orgId}/projects/${target.projectId}/resources`,
    token: writer.token,
    body: VPS,
    expect: 201,
  });

export const shapes = {
  perOrg: (s: Setup, urls: string[]) => s.writers.map((w, i) => resourceJob(urls[i % urls.length]!, w, s.own[i]!)),
  hotOrg: (s: Setup, urls: string[]) => s.writers.map((w, i) => resourceJob(urls[i % urls.length]!, w, s.hot)),
};
