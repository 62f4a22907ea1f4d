/** The capacity bench's sizes and durations; the BENCH_CAP_* variables shrink or pick parts of a run. */

/** Measured seconds per throughput figure, in SLICES slices alternating Orgwire and pgbench. */
export const SECONDS = Number(process.env.BENCH_CAP_SECONDS ?? 8);
export const SLICES = 2;
/** Unrecorded first second of each slice. */
export const WARMUP_SECONDS = 1;
/** Unrecorded load on each freshly spawned node before it is measured (JIT, pools). */
export const NODE_WARMUP_SECONDS = 3;
export const WRITERS = 8;
export const CPU_REQUESTS = Number(process.env.BENCH_CAP_CPU_REQUESTS ?? 800);
export const CPU_CONCURRENCY = 4;
export const STORM_SOCKETS = Number(process.env.BENCH_CAP_SOCKETS ?? 5_000);
export const STORM_ORGS = Number(process.env.BENCH_CAP_ORGS ?? 10);
export const STORM_MEMBERS = Number(process.env.BENCH_CAP_MEMBERS ?? 10);
export const WRITE_EVERY_MS = 20;
export const STEADY_MS = 3_000;
export const ALL_READY_TIMEOUT_MS = 45_000;
export const AFTER_READY_MS = 2_000;
export const VPS = { type: "vps", name: "bench-vps" };

/** The parts to run (BENCH_CAP_PARTS=throughput,cpu,sockets). */
export const PARTS = new Set((process.env.BENCH_CAP_PARTS ?? "throughput,cpu,sockets").split(","));
