import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { addAcceptors } from "../server/http/acceptors.js";
import { yieldIfTurnLong } from "../server/realtime/turns.js";

/**
 * What keeps a node answering while a reconnect storm arrives: more accepts per turn of the event
 * loop, and work over many sockets spread over short turns. The storm itself is measured by
 * `npm run bench -- capacity`.
 */

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a turn that is busy for `ms`, as a node fanning out to thousands of sockets is
  }
};

/** Opens `count` connections to `port` while each turn of this loop is busy for 10 ms; answers the accepts per turn. */
async function acceptsPerTurn(port: number, accepted: () => number, count: number): Promise<number[]> {
  const clients: Socket[] = [];
  for (let i = 0; i < count; i++) clients.push(connect(port, "127.0.0.1").on("error", () => {}));
  const perTurn: number[] = [];
  let last = accepted();
  try {
    // The connects go out on this turn; the kernel completes them while the loop is busy, so they
    // all sit in the accept queue.
    await nextTurn();
    busyFor(100);
    last = accepted();
    while (accepted() < count && perTurn.length < 500) {
      busyFor(10);
      await nextTurn();
      perTurn.push(accepted() - last);
      last = accepted();
    }
    return perTurn;
  } finally {
    for (const c of clients) c.destroy();
  }
}

describe("acceptors", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function listening(acceptors: number) {
    let accepted = 0;
    const server = createServer((_req, res) => res.end("ok"));
    server.on("connection", () => accepted++);
    await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 1024 }, resolve));
    const closeAcceptors = await addAcceptors(server, acceptors, 1024);
    closers.push(async () => {
      closeAcceptors();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return { server, port: (server.address() as AddressInfo).port, accepted: () => accepted, closeAcceptors };
  }

  it("one listening handle accepts one connection per busy turn; three more accept four", async () => {
    const alone = await listening(0);
    const one = await acceptsPerTurn(alone.port, alone.accepted, 60);
    expect(Math.max(...one)).toBe(1);

    const four = await listening(3);
    const perTurn = await acceptsPerTurn(four.port, four.accepted, 120);
    expect(four.accepted()).toBe(120);
    // Every handle takes one from the kernel's one queue in each turn.
    expect(Math.max(...perTurn)).toBe(4);
    expect(perTurn.length).toBeLessThanOrEqual(120 / 4 + 2);
  });

  it("keeps the accept queue as deep as the server listened with", async () => {
    // Each copy listens again on the one socket, which sets its queue depth again: the kernel
    // reports the depth of a listening socket as its Send-Q.
    const depth = (port: number) =>
      Number(
        execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" })
          .trim()
          .split(/\s+/)[2],
      );
    const node = await listening(3);
    expect(depth(node.port)).toBe(1024);
  });

  it("answers every connection made while the copies are being made, the helper's included", async () => {
    let accepted = 0;
    const server = createServer((_req, res) => res.end("ok"));
    server.on("connection", () => accepted++);
    await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 1024 }, resolve));
    const port = (server.address() as AddressInfo).port;
    let adding = true;
    const outcomes: string[] = [];
    // New connections, 16 at a time, for as long as the helper process lives and a little after.
    const hammer = async () => {
      while (adding) {
        outcomes.push(
          await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } })
            .then((r) => r.text())
            .catch((err: Error) => String((err.cause as Error | undefined)?.message ?? err.message)),
        );
      }
    };
    const hammers = Array.from({ length: 16 }, hammer);
    const closeAcceptors = await addAcceptors(server, 31, 1024);
    await new Promise((resolve) => setTimeout(resolve, 300));
    adding = false;
    await Promise.all(hammers);
    closeAcceptors();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(outcomes.length).toBeGreaterThan(50);
    expect(outcomes.filter((o) => o !== "ok")).toEqual([]);
    expect(accepted).toBe(outcomes.length);
  });

  it("hands accepted connections to the HTTP server, and closing them stops accepting", async () => {
    const node = await listening(3);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`http://127.0.0.1:${node.port}/`, { headers: { connection: "close" } }).then((r) => r.text()),
      ),
    );
    expect(answers).toEqual(Array(20).fill("ok"));
    node.closeAcceptors();
    node.server.closeAllConnections();
    await new Promise<void>((resolve) => node.server.close(() => resolve()));
    await expect(fetch(`http://127.0.0.1:${node.port}/`)).rejects.toThrow();
  });
});

describe("yieldIfTurnLong", () => {
  it("lets work run on within a turn's budget, then moves it to the next turns", async () => {
    let turn = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      turn++;
      setImmediate(count);
    };
    setImmediate(count);
    await nextTurn();
    const turnsSeen = new Set<number>();
    // 60 items of 1 ms each: about 4 ms a turn, so they spread over many turns.
    for (let i = 0; i < 60; i++) {
      await yieldIfTurnLong();
      busyFor(1);
      turnsSeen.add(turn);
    }
    counting = false;
    expect(turnsSeen.size).toBeGreaterThanOrEqual(8);
    // Cheap items stay together: 1,000 of them with nothing to do keep to one or two turns.
    const cheap = new Set<number>();
    counting = true;
    setImmediate(count);
    await nextTurn();
    for (let i = 0; i < 1000; i++) {
      await yieldIfTurnLong();
      cheap.add(turn);
    }
    counting = false;
    expect(cheap.size).toBeLessThanOrEqual(2);
  });
});
