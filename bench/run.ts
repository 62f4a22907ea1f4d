/** `npm run bench`: every benchmark, each figure beside its baseline from the same run. */
import { runRealtimeBench } from "./realtime.bench.js";

const only = process.argv[2];
if (!only || only === "realtime") await runRealtimeBench();
process.exit(0);
