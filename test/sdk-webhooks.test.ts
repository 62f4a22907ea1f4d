/**
 * The SDK's webhook calls against a real node (real Postgres and Redis) and a real HTTP receiver on
 * 127.0.0.1: the secret comes once, the receiver's requests pass `verifyWebhook` (and a tampered
 * body does not), every call of the group works, and a subscription's `onDelivery` sees attempts
 * live.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  OrgwireClient,
  OrgwireError,
  verifyWebhook,
  type WebhookDelivery,
  WebhookVerificationError,
} from "../client-sdk/src/index.js";
import { useCluster } from "./support/suite.js";

// Private addresses allowed (the receiver is local); fast retries and outbound polling.
const cluster = useCluster(1, { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE_MS: "50", OUTBOUND_POLL_MS: "100" });
const url = () => cluster.nodes[0]!.url;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A real receiver: records each request's headers and raw body, answers `status()`. */
async function startReceiver(status: () => number = () => 200) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: flat(req.headers), body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(status()).end();
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/hook`, requests };
}

const flat = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function ownerWithOrg() {
  const client = new OrgwireClient({ url: url(), backoff: { initialMs: 50, maxMs: 500 } });
  const email = `owner-${Math.random().toString(36).slice(2, 10)}@example.com`;
  await client.auth.signup({ email, password: "correct horse battery", name: "Owner" });
  const org = await client.orgs.create({ name: "Acme" });
  return { client, org };
}

describe("webhooks through the SDK", () => {
  it("creates, verifies signed deliveries, and covers every call of the group", async () => {
    const { client, org } = await ownerWithOrg();
    const receiver = await startReceiver();

    // The owner's live stream carries delivery attempts (not log events) as they happen.
    const live: WebhookDelivery[] = [];
    let ready = false;
    const sub = client.subscribe(org.id, {
      onEvent: () => undefined,
      onReady: () => {
        ready = true;
      },
      onDelivery: (d) => live.push(d),
    });
    cleanups.push(() => sub.close());
    await until(() => ready, "the subscription to be ready");

    const { webhook, secret } = await client.webhooks.create(org.id, {
      url: receiver.url,
      events: ["project.*"],
      description: "ci",
    });
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url: receiver.url, events: ["project.*"], description: "ci", enabled: true });
    // The secret is never read back.
    expect(JSON.stringify(await client.webhooks.get(org.id, webhook.id))).not.toContain(secret);

    const project = await client.projects.create(org.id, { name: "Prod" });
    await until(() => receiver.requests.length >= 1, "the first delivery");
    const first = receiver.requests[0]!;
    const event = verifyWebhook(first.body, first.headers, secret);
    expect(event).toMatchObject({ type: "project.created", orgId: org.id, target: { id: project.id } });
    // A fetch `Headers` works the same way (a receiver on fetch-style runtimes).
    expect(verifyWebhook(first.body, new Headers(first.headers), secret).id).toBe(event.id);

    const tampered = first.body.replace('"Prod"', '"Evil"');
    expect(tampered).not.toBe(first.body);
    expect(() => verifyWebhook(tampered, first.headers, secret)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(first.body, first.headers, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toThrow(
      WebhookVerificationError,
    );
    const { "webhook-signature": _, ...unsigned } = first.headers;
    expect(() => verifyWebhook(first.body, unsigned, secret)).toThrow(WebhookVerificationError);

    // onDelivery: the attempt, live.
    await until(() => live.some((d) => d.seq === event.seq), "a live delivery");
    expect(live.find((d) => d.seq === event.seq)).toMatchObject({
      webhookId: webhook.id,
      eventId: event.id,
      eventType: "project.created",
      status: "succeeded",
      responseCode: 200,
      attempt: 1,
    });

    expect((await client.webhooks.list(org.id)).items.map((w) => w.id)).toEqual([webhook.id]);
    expect((await client.webhooks.get(org.id, webhook.id)).deliveredSeq).toBeGreaterThanOrEqual(event.seq);

    // A second matching event: deliveries come newest first.
    await client.projects.rename(org.id, project.id, { name: "Production" });
    await until(() => receiver.requests.length >= 2, "the second delivery");
    await until(() => live.length >= 2, "the second live delivery");
    const deliveries = await client.webhooks.deliveries(org.id, webhook.id, { limit: 10 });
    expect(deliveries.items.map((d) => d.eventType)).toEqual(["project.updated", "project.created"]);
    expect(deliveries.items.every((d) => d.status === "succeeded")).toBe(true);
    const firstPage = await client.webhooks.deliveries(org.id, webhook.id, { limit: 1 });
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.nextCursor).not.toBeNull();

    // Update: turned off by the owner, nothing is sent; the filter changes.
    const off = await client.webhooks.update(org.id, webhook.id, {
      enabled: false,
      events: ["project.*", "resource.*"],
    });
    expect(off).toMatchObject({ enabled: false, disabledReason: "owner", events: ["project.*", "resource.*"] });
    const on = await client.webhooks.update(org.id, webhook.id, { enabled: true });
    expect(on).toMatchObject({ enabled: true, disabledReason: null });

    // Replay from the first event: it arrives again, with the same id and a valid signature.
    const before = receiver.requests.length;
    const replayed = await client.webhooks.replay(org.id, webhook.id, { since: event.seq });
    expect(replayed.id).toBe(webhook.id);
    await until(
      () => receiver.requests.slice(before).some((r) => r.headers["webhook-id"] === event.id),
      "the replayed delivery",
    );
    const again = receiver.requests.slice(before).find((r) => r.headers["webhook-id"] === event.id)!;
    expect(verifyWebhook(again.body, again.headers, secret).seq).toBe(event.seq);

    await client.webhooks.remove(org.id, webhook.id);
    await expect(client.webhooks.get(org.id, webhook.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.webhooks.list(org.id)).items).toEqual([]);
  });

  it("a failing receiver: failed attempts with the response code, retried, seen live", async () => {
    const { client, org } = await ownerWithOrg();
    let fail = true;
    const receiver = await startReceiver(() => (fail ? 500 : 200));
    const live: WebhookDelivery[] = [];
    let ready = false;
    const sub = client.subscribe(org.id, {
      onEvent: () => undefined,
      onReady: () => {
        ready = true;
      },
      onDelivery: (d) => live.push(d),
    });
    cleanups.push(() => sub.close());
    await until(() => ready, "the subscription to be ready");
    const { webhook } = await client.webhooks.create(org.id, { url: receiver.url, events: ["*"] });
    await client.projects.create(org.id, { name: "Prod" });
    await until(() => live.filter((d) => d.status === "failed").length >= 2, "two failed attempts");
    const failed = live.find((d) => d.status === "failed")!;
    expect(failed).toMatchObject({ webhookId: webhook.id, responseCode: 500 });
    expect(failed.nextRetryAt).not.toBeNull();
    expect((await client.webhooks.get(org.id, webhook.id)).failingSince).not.toBeNull();
    fail = false;
    await until(() => live.some((d) => d.status === "succeeded"), "a successful retry");
    expect(receiver.requests.length).toBeGreaterThanOrEqual(3);
  });

  it("is for owners: a viewer gets 403", async () => {
    const { client, org } = await ownerWithOrg();
    const key = await client.apiKeys.create(org.id, { name: "ro", role: "viewer", audit: false });
    const asViewer = new OrgwireClient({ url: url(), token: key.secret });
    const error = await asViewer.webhooks.list(org.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrgwireError);
    expect((error as OrgwireError).status).toBe(403);
  });
});
