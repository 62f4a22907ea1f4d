/** Part 2: CPU time of the node per request. */
import { type BenchProcess, cpuMs, ratio, sleep } from "../support.js";
import { CPU_CONCURRENCY, CPU_REQUESTS } from "./config.js";
import { closedLoop, type Job, summarize } from "./load.js";
import type { Setup } from "./setup.js";

/** 2: the node's CPU time per request over CPU_REQUESTS requests at CPU_CONCURRENCY. */
export async function cpuPart(s: Setup, node: BenchProcess, log: (t: string) => void) {
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
