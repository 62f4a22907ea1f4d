/** The scaling bench's summary table (./scaling.bench.ts); the whole result goes to bench/results/scaling.json. */

type PerSocket = Record<number, number>;

/** The parts of the result the table shows. */
export interface ScalingSummary {
  sockets: number;
  cpuPerDelivery: {
    usPerEventPerSocket: { ours: PerSocket; baseline: PerSocket; oursSlope: number; baselineSlope: number };
  };
  redisPerMutation: {
    subscribedNodes2: { opsPerMutation: number; inBytesPerMutation: number; outBytesPerMutation: number };
  };
  rssPerSocket: { fresh: { ours: { bytesPerSocket: number }; baseline: { bytesPerSocket: number } } };
  headPoll: { cpuMsPerCyclePer1kOrgs: number; pollOnlyCpuMsPerCyclePer1kOrgs: number };
  eventRows: { bytesPerRowTotal: number };
}

export function printScalingInputs(result: ScalingSummary): void {
  const perSocket = result.cpuPerDelivery.usPerEventPerSocket;
  const redis = result.redisPerMutation.subscribedNodes2;
  const fresh = result.rssPerSocket.fresh;
  console.log("\nScaling inputs");
  console.table({
    "CPU µs / event / socket (S)": {
      ours: perSocket.ours[result.sockets],
      baseline: perSocket.baseline[result.sockets],
    },
    "CPU µs / event / socket (slope S/2→S)": { ours: perSocket.oursSlope, baseline: perSocket.baselineSlope },
    "Redis ops / mutation (2 nodes subscribed)": { ours: redis.opsPerMutation, baseline: "" },
    "Redis in / out bytes / mutation": {
      ours: `${redis.inBytesPerMutation} / ${redis.outBytesPerMutation}`,
      baseline: "",
    },
    "RSS bytes / idle socket (fresh process, 1 org each)": {
      ours: fresh.ours.bytesPerSocket,
      baseline: fresh.baseline.bytesPerSocket,
    },
    "idle CPU ms / s / 1k active orgs (poll 1 s)": { ours: result.headPoll.cpuMsPerCyclePer1kOrgs, baseline: "" },
    "  of which the head poll (less a no-poll node)": {
      ours: result.headPoll.pollOnlyCpuMsPerCyclePer1kOrgs,
      baseline: "",
    },
    "events bytes / row (incl. indexes)": { ours: result.eventRows.bytesPerRowTotal, baseline: "" },
  });
}
