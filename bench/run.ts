/** `npm run bench`: every benchmark, each figure beside its baseline from the same run. */
import { runAuditBench } from "./audit.bench.js";
import { runRealtimeBench } from "./realtime.bench.js";

const only = process.argv[2];
if (!only || only === "realtime") await runRealtimeBench();
if (!only || only === "audit") await runAuditBench();
process.exit(0);
