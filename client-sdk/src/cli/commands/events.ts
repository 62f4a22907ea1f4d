import type { Command } from "../args.js";
import { tail } from "../tail.js";

export const eventsTail: Command = {
  path: ["events", "tail"],
  summary: "Print an organization's events as they happen (your view of the event log)",
  details: [
    "Human lines are 'seq  time  type  actor  target'; --json prints each full event, one per line.",
    "With --since, everything after that seq is replayed first. Status goes to stderr.",
    "Exits 0 when your access is revoked (the reason goes to stderr) or on Ctrl-C, 1 when refused.",
  ],
  options: {
    org: { type: "string", value: "ID", required: true, help: "the organization" },
    since: { type: "string", value: "N", help: "replay events after this seq first" },
  },
  run: (ctx, args) => tail(ctx, { orgId: args.need("org"), since: args.count("since") }),
};
