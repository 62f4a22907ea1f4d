import { type Webhook, type WebhookDelivery, webhookEventFilter } from "../../contract/index.js";
import type { Args, Command } from "../args.js";
import { UsageError } from "../errors.js";
import { all } from "./orgs.js";

const org = { type: "string", value: "ID", required: true, help: "the organization" } as const;

/** `enabled`, `failing since …` (still retrying) or `disabled (owner|failing)`. */
function state(w: Webhook): string {
  if (!w.enabled) return `disabled (${w.disabledReason ?? "owner"})`;
  return w.failingSince ? `failing since ${w.failingSince}` : "enabled";
}

/** `--events a,b`: checked as the server checks it, so a typo is a usage error before any request. */
function eventsOption(args: Args): string[] {
  const events = args
    .need("events")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = events.find((e) => !webhookEventFilter.safeParse(e).success);
  if (events.length === 0 || bad !== undefined) {
    throw new UsageError(
      `--events: ${bad === undefined ? "name at least one" : `'${bad}' is not`} *, a family such as member.*, or an event type such as resource.created`,
      [...args.command.path],
    );
  }
  return events;
}

export const webhooksList: Command = {
  path: ["webhooks", "list"],
  summary: "List an organization's webhook endpoints and their state (owners)",
  options: { org },
  async run(ctx, args) {
    const client = ctx.client();
    const orgId = args.need("org");
    const items = await all<Webhook>((query) => client.webhooks.list(orgId, query));
    ctx.out.list(items, [
      ["ID", (w) => w.id],
      ["URL", (w) => w.url],
      ["EVENTS", (w) => w.events.join(",")],
      ["DELIVERED", (w) => String(w.deliveredSeq)],
      ["STATE", state],
    ]);
    return 0;
  },
};

export const webhooksCreate: Command = {
  path: ["webhooks", "create"],
  summary: "Add a webhook endpoint and print its signing secret, once (owners)",
  details: [
    "--endpoint is where Orgwire POSTs the events (--url stays the Orgwire server, as everywhere).",
    "Events: * (all), families such as member.*, or types such as resource.created, comma separated.",
    "The signing secret (whsec_…) is printed this once: store it where the receiver reads it.",
    "With --json, one line: {webhook, secret}.",
  ],
  options: {
    org,
    // Not `--url`: that global option names the Orgwire server.
    endpoint: { type: "string", value: "URL", required: true, help: "the receiver's https URL" },
    events: { type: "string", value: "LIST", required: true, help: "event filters, comma separated" },
    description: { type: "string", value: "TEXT", help: "what the endpoint is for" },
  },
  async run(ctx, args) {
    const events = eventsOption(args);
    const created = await ctx.client().webhooks.create(args.need("org"), {
      url: args.need("endpoint"),
      events,
      description: args.string("description"),
    });
    const c = ctx.out.color;
    const { webhook, secret } = created;
    ctx.out.record(created, () =>
      [
        `${c.green("created")} webhook ${webhook.id}`,
        `  url:    ${webhook.url}`,
        `  events: ${webhook.events.join(", ")}`,
        "",
        `${c.bold("Signing secret")} (shown only this once; store it now):`,
        `  ${secret}`,
      ].join("\n"),
    );
    return 0;
  },
};

export const webhooksDeliveries: Command = {
  path: ["webhooks", "deliveries"],
  summary: "List an endpoint's delivery attempts, newest first (owners)",
  options: {
    org,
    webhook: { type: "string", value: "ID", required: true, help: "the webhook endpoint" },
    limit: { type: "string", value: "N", help: "how many attempts, 1..500 (default 20)" },
  },
  async run(ctx, args) {
    const limit = args.count("limit") ?? 20;
    if (limit < 1 || limit > 500) throw new UsageError("--limit must be between 1 and 500", [...args.command.path]);
    const page = await ctx.client().webhooks.deliveries(args.need("org"), args.need("webhook"), { limit });
    const c = ctx.out.color;
    ctx.out.list<WebhookDelivery>(page.items, [
      ["ATTEMPTED", (d) => d.attemptedAt],
      ["SEQ", (d) => String(d.seq)],
      ["TYPE", (d) => d.eventType],
      ["TRY", (d) => String(d.attempt)],
      ["STATUS", (d) => (d.status === "succeeded" ? c.green(d.status) : c.red(d.status))],
      ["CODE", (d) => (d.responseCode === null ? "-" : String(d.responseCode))],
      ["MS", (d) => String(d.durationMs)],
      ["ERROR", (d) => d.error ?? ""],
    ]);
    return 0;
  },
};
