import { describe, expect, it } from "vitest";
import type { FullEvent } from "../server/events/event-log.repository.js";
import { Coalescer } from "../server/realtime/coalescer.js";
import { Semaphore } from "../server/realtime/connection-guard.js";
import { deliveryOf, RecentEvents } from "../server/realtime/recent-events.js";

/** The two structures a reconnect storm leans on, on their own (the storm itself: the capacity bench). */

const event = (seq: number): FullEvent =>
  ({
    id: `e${seq}`,
    orgId: "o",
    seq,
    type: "org.updated",
    occurredAt: new Date(0).toISOString(),
    actor: { type: "user", id: "u" },
    projectId: null,
    target: { type: "org", id: "o" },
    data: { name: `n${seq}` },
    context: null,
    hash: `h${seq}`,
    subjectUserId: null,
  }) as unknown as FullEvent;

describe("Coalescer", () => {
  it("runs an item alone at rest, and batches what arrives while the slots are busy", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const coalescer = new Coalescer(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => i * 10);
    }, new Semaphore(1));
    const first = coalescer.run(1);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the first batch is running, alone
    const rest = [2, 3, 4, 5].map((i) => coalescer.run(i));
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it("gathers the items of one turn into one batch, and fails each of them when the batch fails", async () => {
    let calls = 0;
    const coalescer = new Coalescer(async (items: string[]) => {
      calls++;
      throw new Error(`batch of ${items.length}`);
    }, new Semaphore(4));
    const results = await Promise.allSettled(["a", "b", "c"].map((x) => coalescer.run(x)));
    expect(calls).toBe(1);
    expect(results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok"))).toEqual([
      "batch of 3",
      "batch of 3",
      "batch of 3",
    ]);
  });
});

describe("RecentEvents", () => {
  it("holds a contiguous run ending at the last pushed, bounded by count", () => {
    const recent = new RecentEvents(3, 60_000);
    for (let seq = 1; seq <= 5; seq++) recent.push(deliveryOf(event(seq)));
    expect(recent.firstSeq).toBe(3);
    expect([3, 4, 5].map((s) => recent.at(s)?.seq)).toEqual([3, 4, 5]);
    expect(recent.at(2)).toBeUndefined();
    // A seq that does not follow starts afresh: no gap is ever served.
    recent.push(deliveryOf(event(9)));
    expect(recent.firstSeq).toBe(9);
    expect(recent.at(5)).toBeUndefined();
  });

  it("takes older events in front only when they end right before it, without a gap", () => {
    const recent = new RecentEvents(10, 60_000);
    recent.push(deliveryOf(event(6)));
    recent.prepend(
      [4, 5].map((s) => deliveryOf(event(s))),
      6,
    );
    expect(recent.firstSeq).toBe(4);
    recent.prepend(
      [1, 2].map((s) => deliveryOf(event(s))),
      6,
    ); // ends at 2, not 3: refused
    expect(recent.firstSeq).toBe(4);
    recent.prepend(
      [1, 3].map((s) => deliveryOf(event(s))),
      6,
    ); // a hole: refused
    expect(recent.firstSeq).toBe(4);
    const empty = new RecentEvents(10, 60_000);
    empty.prepend(
      [7, 8].map((s) => deliveryOf(event(s))),
      8,
    );
    expect([empty.firstSeq, empty.at(8)?.seq]).toEqual([7, 8]);
  });

  it("forgets what is older than its age bound", () => {
    const recent = new RecentEvents(100, 1_000);
    recent.push(deliveryOf(event(1), 0));
    recent.push(deliveryOf(event(2), 500));
    recent.push(deliveryOf(event(3), 2_000));
    recent.trim(2_100);
    expect(recent.firstSeq).toBe(3);
    expect(recent.size).toBe(1);
  });
});
