import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request as the receiver saw it. */
export interface Arrival {
  id: string;
  seq: number;
  type: string;
  status: number;
  at: number;
}

export type Answer = "ok" | "fail" | "sleep";

export interface TestReceiver {
  url: string;
  /** Set once the webhook exists: every request is then verified with it. */
  secret: string | undefined;
  arrivals: Arrival[];
  /** Requests whose signature the `standardwebhooks` verifier refused. */
  badSignatures: number;
  /** Distinct event ids received with a 2xx answer. */
  acknowledged(): Set<string>;
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });

/**
 * A real HTTP webhook receiver on 127.0.0.1. `answer` decides each request: a 2xx (after
 * `latencyMs`), a 500, or sleeping `sleepMs` (past the sender's timeout) before answering 200 too late.
 */
export async function startReceiver(
  answer: (n: number) => Answer = () => "ok",
  sleepMs = 1_000,
  /** How long every answer takes (a receiver doing some work). */
  latencyMs = 0,
): Promise<TestReceiver> {
  let n = 0;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    let verified = false;
    try {
      if (receiver.secret) new Webhook(receiver.secret).verify(body, req.headers as Record<string, string>);
      verified = Boolean(receiver.secret);
    } catch {
      verified = false;
    }
    if (!verified) receiver.badSignatures++;
    const event = JSON.parse(body) as { id: string; seq: number; type: string };
    const what = answer(n++);
    // A late answer counts as a failure: the sender gave up on it.
    const status = what === "ok" ? 200 : 500;
    receiver.arrivals.push({
      id: String(req.headers["webhook-id"]),
      seq: event.seq,
      type: event.type,
      status,
      at: Date.now(),
    });
    if (event.id !== req.headers["webhook-id"]) receiver.badSignatures++;
    const wait = what === "sleep" ? sleepMs : latencyMs;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (!res.destroyed) res.writeHead(what === "fail" ? 500 : 200).end(what === "fail" ? "no" : "late");
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
  const receiver: TestReceiver = {
    url: `http://127.0.0.1:${port}/hook`,
    secret: undefined,
    arrivals: [],
    badSignatures: 0,
    acknowledged: () => new Set(receiver.arrivals.filter((a) => a.status === 200).map((a) => a.id)),
    async waitFor(check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met in ${timeoutMs} ms (${receiver.arrivals.length} arrivals)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/**
 * The order check: the first arrival of each distinct event id, in arrival order, has strictly
 * increasing seq (repeats of an event already seen are allowed: at least once).
 */
export function firstArrivalSeqs(arrivals: Arrival[]): number[] {
  const seen = new Set<string>();
  const seqs: number[] = [];
  for (const a of arrivals) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    seqs.push(a.seq);
  }
  return seqs;
}
