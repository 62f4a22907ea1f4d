import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { assertPublicAddress, BlockedAddressError, bareHostname, guardedLookup } from "./ssrf.js";

export interface WebhookPost {
  url: string;
  /** The JSON payload, already serialized (and signed over, so sent byte for byte). */
  body: string;
  headers: Record<string, string>;
  /** One budget for the whole attempt: connect, response headers and body read. */
  timeoutMs: number;
  /** Response bytes kept; the rest is not read, so a huge answer cannot tie up the worker. */
  maxResponseBytes: number;
  /** Development and tests only: lets deliveries reach loopback and private addresses. */
  allowPrivate: boolean;
}

export interface WebhookPostResult {
  /** The HTTP status, or null when no response arrived. */
  status: number | null;
  durationMs: number;
  /** Null on success (a 2xx); otherwise a short reason for the delivery log. */
  error: string | null;
  /** The start of the response body, at most `maxResponseBytes` bytes (decoded as UTF-8). */
  body: string;
}

const USER_AGENT = "Orgwire-Webhooks/1";

/**
 * Kept-alive connections, one pool per (scheme, allowPrivate), each opening its connections
 * through the guarded lookup: a connection is checked when it opens, and a reused one stays on
 * the address that was checked, so reuse cannot reach a private address. Reuse spares each
 * delivery a TCP (and TLS) handshake.
 */
const pools = new Map<string, HttpAgent>();
function poolFor(https: boolean, allowPrivate: boolean): HttpAgent {
  const key = `${https}:${allowPrivate}`;
  let pool = pools.get(key);
  if (!pool) {
    // Idle connections close after 4 s: before the receiver's own keep-alive timeout (Node's
    // default is 5 s), so a reused connection is rarely one the receiver is closing.
    const options = { keepAlive: true, maxFreeSockets: 256, timeout: 4_000, lookup: guardedLookup(allowPrivate) };
    pool = https ? new HttpsAgent(options) : new HttpAgent(options);
    pools.set(key, pool);
  }
  return pool;
}

/** Why a connection failed, in words for the delivery log rather than Node error codes. */
function describeError(error: unknown): string {
  if (error instanceof BlockedAddressError) return `blocked: ${error.message}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "does not resolve";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
  }
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message || "request failed";
}

/**
 * Sends one webhook delivery attempt as an HTTP POST. Never throws: every outcome, including a
 * refused address, a timeout or a non-2xx answer, is a result with `error` set. Redirects are not
 * followed (a 3xx fails the attempt): following one would let a public URL bounce the request to a
 * private address. Connections are kept alive between deliveries; each is checked as it opens.
 */
export async function postWebhook(input: WebhookPost): Promise<WebhookPostResult> {
  const result = await postOnce(input);
  // A kept-alive connection the receiver closed just as it was reused: that is no answer from the
  // receiver, so try once more on a new connection (at least once allows the rare duplicate).
  if (result !== STALE_CONNECTION) return result;
  const again = await postOnce(input);
  return again === STALE_CONNECTION ? { status: null, durationMs: 0, error: "connection reset", body: "" } : again;
}

const STALE_CONNECTION = Symbol("stale connection");
const STALE_CODES = new Set(["ECONNRESET", "EPIPE"]);

function postOnce(input: WebhookPost): Promise<WebhookPostResult | typeof STALE_CONNECTION> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return Promise.resolve({ status: null, durationMs: elapsed(), error: "not a valid URL", body: "" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.resolve({ status: null, durationMs: elapsed(), error: "must use http: or https:", body: "" });
  }
  // Node skips `lookup` for IP literals, so the guarded lookup alone would let https://127.0.0.1/ through.
  const host = bareHostname(url);
  if (!input.allowPrivate && isIP(host)) {
    try {
      assertPublicAddress(host);
    } catch (blocked) {
      return Promise.resolve({ status: null, durationMs: elapsed(), error: describeError(blocked), body: "" });
    }
  }

  return new Promise<WebhookPostResult | typeof STALE_CONNECTION>((resolve) => {
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    let status: number | null = null;
    const chunks: Buffer[] = [];
    let kept = 0;
    let settled = false;

    /** `reusable`: the answer was read to its end, so its connection can serve the next delivery. */
    const finish = (error: string | null, reusable = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!reusable) {
        // Stop reading whatever is left (a body over the limit, or a request cut by the timeout).
        res?.destroy();
        req?.destroy();
      }
      const body = Buffer.concat(chunks).toString("utf8");
      resolve({ status, durationMs: elapsed(), error, body });
    };
    const verdict = (): string | null => {
      if (status === null) return "no response";
      if (status >= 200 && status < 300) return null;
      if (status >= 300 && status < 400) return `redirects are not followed (HTTP ${status})`;
      return `HTTP ${status}`;
    };

    const timer = setTimeout(() => finish(`timed out after ${input.timeoutMs} ms`), input.timeoutMs);

    const headers: Record<string, string | number> = {};
    // Lower-case the caller's names so ours below replace, rather than duplicate, theirs.
    for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
    headers["content-type"] = "application/json";
    headers["user-agent"] = USER_AGENT;
    headers["content-length"] = Buffer.byteLength(input.body);

    const options: RequestOptions = {
      method: "POST",
      headers,
      lookup: guardedLookup(input.allowPrivate),
      agent: poolFor(url.protocol === "https:", input.allowPrivate),
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    try {
      req = send(url, options, (response) => {
        res = response;
        status = response.statusCode ?? null;
        response.on("data", (chunk: Buffer) => {
          const room = input.maxResponseBytes - kept;
          if (chunk.length >= room) {
            chunks.push(chunk.subarray(0, room));
            kept += room;
            // Enough kept: the status already decided the attempt, so a cut body is not a failure.
            finish(verdict());
            return;
          }
          chunks.push(chunk);
          kept += chunk.length;
        });
        response.on("end", () => finish(verdict(), true));
        // The body broke off after the status arrived: the status still decides the attempt.
        response.on("error", () => finish(verdict()));
        response.on("close", () => finish(verdict()));
      });
    } catch (error) {
      finish(describeError(error));
      return;
    }
    req.on("error", (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (status === null && req?.reusedSocket && STALE_CODES.has(code) && !settled) {
        settled = true;
        clearTimeout(timer);
        req?.destroy();
        resolve(STALE_CONNECTION);
        return;
      }
      finish(status === null ? describeError(error) : verdict());
    });
    req.end(input.body);
  });
}
