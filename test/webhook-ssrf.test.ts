/**
 * Webhook SSRF guard and delivery POST: what a webhook URL may not reach, and how one attempt ends.
 * Real DNS (localhost) and a real HTTP server on 127.0.0.1; no mocks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postWebhook } from "../server/webhooks/post.js";
import { BlockedAddressError, checkWebhookUrl, guardedLookup, WebhookUrlError } from "../server/webhooks/ssrf.js";

const BLOCKED = [
  "https://127.0.0.1/x",
  "https://10.1.2.3/",
  "https://169.254.169.254/latest/meta-data",
  "https://[::1]/",
  "https://[::ffff:127.0.0.1]/",
  "https://localhost/",
  "https://0.0.0.0/",
  "https://192.168.1.1/",
  "https://172.16.0.1/",
  "https://100.64.0.1/",
  "https://[fe80::1]/",
  "https://[fd00:ec2::254]/",
];

describe("checkWebhookUrl", () => {
  it.each(BLOCKED)("refuses %s", async (url) => {
    await expect(checkWebhookUrl(url, { allowPrivate: false })).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it("names the address and its range", async () => {
    await expect(checkWebhookUrl("https://10.0.0.1/", { allowPrivate: false })).rejects.toThrow(
      "resolves to 10.0.0.1, a private address",
    );
  });

  it("requires https:", async () => {
    const refused = checkWebhookUrl("http://example.com/", { allowPrivate: false });
    await expect(refused).rejects.toBeInstanceOf(WebhookUrlError);
    await expect(refused).rejects.toThrow("must use https:");
  });

  it("accepts a public IP literal (no DNS needed)", async () => {
    await expect(checkWebhookUrl("https://93.184.215.14/", { allowPrivate: false })).resolves.toBeUndefined();
  });

  it("with allowPrivate, only checks the protocol", async () => {
    await expect(checkWebhookUrl("http://127.0.0.1:1234/", { allowPrivate: true })).resolves.toBeUndefined();
    await expect(checkWebhookUrl("https://localhost/", { allowPrivate: true })).resolves.toBeUndefined();
    await expect(checkWebhookUrl("ftp://localhost/", { allowPrivate: true })).rejects.toBeInstanceOf(WebhookUrlError);
  });
});

describe("guardedLookup", () => {
  const lookup = (allowPrivate: boolean, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      guardedLookup(allowPrivate)("localhost", { all }, (error, address) => resolve({ error, address })),
    );

  it.each([true, false])("refuses localhost (all: %s)", async (all) => {
    const { error } = await lookup(false, all);
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect((error as BlockedAddressError).address).toBe("127.0.0.1");
  });

  it("resolves localhost with allowPrivate, in the shape asked for", async () => {
    expect(await lookup(true, false)).toEqual({ error: null, address: "127.0.0.1" });
    expect(await lookup(true, true)).toEqual({ error: null, address: [{ address: "127.0.0.1", family: 4 }] });
  });
});

/** What the test server saw of each request. */
interface Seen {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

describe("postWebhook", () => {
  const seen: Seen[] = [];
  let server: Server;
  let base: string;

  const routes: Record<string, (res: ServerResponse) => void> = {
    "/ok": (res) => res.writeHead(200).end("thanks"),
    "/fail": (res) => res.writeHead(500).end("boom"),
    "/redirect": (res) => res.writeHead(302, { location: "http://127.0.0.1:1/" }).end(),
    // Answers long after the 200 ms budget: the client must give up first.
    "/slow": (res) => void setTimeout(() => res.writeHead(200).end(), 3_000).unref(),
    "/huge": (res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, "x");
      let left = 80; // 80 × 64 KiB = 5 MiB
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left -= 1;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on("error", () => {});
      pump();
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (part: Buffer) => parts.push(part));
      req.on("end", () => {
        seen.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(parts).toString() });
        (routes[req.url ?? ""] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, extra: Partial<Parameters<typeof postWebhook>[0]> = {}) =>
    postWebhook({
      url: `${base}${path}`,
      body: JSON.stringify({ type: "member.added", data: { id: "m_1" } }),
      headers: { "webhook-id": "msg_1", "webhook-signature": "v1,abc" },
      timeoutMs: 2_000,
      maxResponseBytes: 64 * 1024,
      allowPrivate: true,
      ...extra,
    });

  it("refuses a private address before connecting", async () => {
    const before = seen.length;
    const result = await post("/ok", { allowPrivate: false });
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^blocked: resolves to 127\.0\.0\.1, a loopback address/);
    // Via a name too: the guarded lookup refuses what localhost resolves to.
    const byName = await post("/ok", { allowPrivate: false, url: `${base.replace("127.0.0.1", "localhost")}/ok` });
    expect(byName.error).toMatch(/^blocked: /);
    expect(seen.length).toBe(before);
  });

  it("succeeds on a 2xx and sends the body and headers", async () => {
    const result = await post("/ok");
    expect(result).toMatchObject({ status: 200, error: null, body: "thanks" });
    expect(Number.isInteger(result.durationMs)).toBe(true);
    const request = seen.at(-1)!;
    expect(request.body).toBe(JSON.stringify({ type: "member.added", data: { id: "m_1" } }));
    expect(request.headers).toMatchObject({
      "webhook-id": "msg_1",
      "webhook-signature": "v1,abc",
      "content-type": "application/json",
      "user-agent": "Orgwire-Webhooks/1",
      "content-length": String(request.body.length),
    });
  });

  it("fails on a 500, keeping the status", async () => {
    expect(await post("/fail")).toMatchObject({ status: 500, error: "HTTP 500", body: "boom" });
  });

  it("does not follow a redirect", async () => {
    const result = await post("/redirect");
    expect(result.status).toBe(302);
    expect(result.error).toContain("redirects are not followed");
  });

  it("gives up after timeoutMs", async () => {
    const result = await post("/slow", { timeoutMs: 200 });
    expect(result.status).toBeNull();
    expect(result.error).toBe("timed out after 200 ms");
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it("reads at most maxResponseBytes of a huge 2xx body, and still succeeds", async () => {
    const result = await post("/huge");
    expect(result).toMatchObject({ status: 200, error: null });
    expect(result.body.length).toBeGreaterThan(0);
    expect(result.body.length).toBeLessThanOrEqual(64 * 1024);
  });

  it("reports a closed port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await post("/", { url: `http://127.0.0.1:${port}/` });
    expect(result).toMatchObject({ status: null, error: "connection refused" });
  });
});
