/** Part 1: throughput of `POST …/resources` on one node beside pgbench, then on two nodes. */
import { type BenchProcess, ratio, spawnOrgwire } from "../support.js";
import { NODE_WARMUP_SECONDS, SECONDS, SLICES, WARMUP_SECONDS, WRITERS } from "./config.js";
import { closedLoop, type LoadResult, type Slice, shapes, summarize } from "./load.js";
import { runPgbench } from "./pgbench.js";
import type { Env, Setup } from "./setup.js";

export const throughputRow = (ours: LoadResult, base: LoadResult) => ({
  ours,
  pgbench: base,
  opsRatio: ratio(ours.opsPerSec, base.opsPerSec),
  p99Ratio: ratio(ours.p99, base.p99),
});

/** 1: one node (`nodeB`), pgbench, then two nodes (`nodeB` and a node started here). */
export async function throughputPart(
  s: Setup,
  env: Env,
  databaseUrl: string,
  nodeB: BenchProcess,
  log: (t: string) => void,
) {
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
