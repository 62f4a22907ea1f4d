/**
 * `npm run bench`: every benchmark, each figure beside its baseline from the same run.
 * `npm run bench -- <name>` runs one. Each is imported only when it runs, so the capacity bench
 * (public interface only) still loads while server internals that the others import move.
 */
const only = process.argv[2];
if (!only || only === "realtime") await (await import("./realtime.bench.js")).runRealtimeBench();
if (!only || only === "audit") await (await import("./audit.bench.js")).runAuditBench();
if (!only || only === "webhooks") await (await import("./webhooks.bench.js")).runWebhooksBench();
if (!only || only === "capacity") await (await import("./capacity.bench.js")).runCapacityBench();
if (!only || only === "fanout") await (await import("./fanout.bench.js")).runFanoutBench();
if (!only || only === "scaling") await (await import("./scaling.bench.js")).runScalingBench();
process.exit(0);
