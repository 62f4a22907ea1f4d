import type { Command } from "../args.js";
import { actionOption, matchesAction } from "../filters.js";
import { tail } from "../tail.js";
import { exportAudit } from "./audit-export.js";

const org = { type: "string", value: "ID", required: true, help: "the organization" } as const;
const action = { type: "string", value: "TYPE", help: "only this type, or a prefix such as member.*" } as const;
const actor = { type: "string", value: "ID", help: "only entries by this actor (user or API key id)" } as const;

export const auditTail: Command = {
  path: ["audit", "tail"],
  summary: "Print new audit log entries as they commit (owners, audit API keys)",
  details: [
    "Entries carry context (ip, user agent, request id) and hash; --json prints each in full, one per line.",
    "Exits 0 when your access is revoked (the reason goes to stderr) or on Ctrl-C, 1 when refused.",
  ],
  options: {
    org,
    action,
    actor,
    since: { type: "string", value: "N", help: "replay entries after this seq first" },
  },
  async run(ctx, args) {
    const orgId = args.need("org");
    const since = args.count("since");
    const wanted = actionOption(args);
    const actorId = args.string("actor");
    // Fail early, with the API's answer, for callers without audit access: the live stream would
    // otherwise show them a partial log without context or hashes.
    await ctx.client().audit.list(orgId, { limit: 1 });
    return tail(ctx, {
      orgId,
      since,
      filter: (e) => (!wanted || matchesAction(wanted, e.type)) && (!actorId || e.actor.id === actorId),
    });
  },
};

export const auditExport: Command = {
  path: ["audit", "export"],
  summary: "Export the audit log, oldest first, to a CSV or NDJSON file",
  details: [
    "The export covers entries up to the head when it starts. Progress goes to stderr.",
    "The file appears only when the export is complete (a partial one is removed).",
  ],
  options: {
    org,
    format: { type: "string", value: "csv|ndjson", required: true, help: "file format" },
    out: { type: "string", value: "FILE", required: true, help: "where to write it" },
    action,
    actor,
    from: { type: "string", value: "TIME", help: "entries at or after this ISO 8601 time" },
    to: { type: "string", value: "TIME", help: "entries before this ISO 8601 time" },
  },
  run: exportAudit,
};

export const auditVerify: Command = {
  path: ["audit", "verify"],
  summary: "Check the audit log's hash chain; exits 1 when it is broken",
  options: { org },
  async run(ctx, args) {
    const report = await ctx.client().audit.verify(args.need("org"));
    const c = ctx.out.color;
    ctx.out.record(report, () =>
      report.ok
        ? `${c.green("ok")}: hash chain intact, ${report.checked} entries checked`
        : `${c.red("broken")}: hash chain breaks at seq ${report.brokenAtSeq ?? "?"} (${report.checked} entries checked)`,
    );
    return report.ok ? 0 : 1;
  },
};
