import type { Semaphore } from "./connection-guard.js";

interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs `work` over batches of items. A batch starts once one of `slots` is free and the event
 * loop has finished the turn it is in (so every item that arrived in the same burst of I/O joins);
 * the items that arrive while every slot is busy wait and go together in the next batch. At rest
 * each item runs alone, within a turn; under a storm of thousands the round trips per second stay
 * bounded by `slots` while each one serves a whole batch.
 */
export class Coalescer<I, O> {
  readonly #waiting: Waiting<I, O>[] = [];
  #pumping = false;

  constructor(
    private readonly work: (items: I[]) => Promise<O[]>,
    private readonly slots: Semaphore,
    private readonly maxBatch = 500,
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#waiting.length > 0) {
        const release = await this.slots.acquire();
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.#waiting.splice(0, this.maxBatch);
        void this.#runBatch(batch).finally(release);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #runBatch(batch: Waiting<I, O>[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      const outs = await this.work(batch.map((w) => w.item));
      for (const [i, w] of batch.entries()) w.resolve(outs[i] as O);
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
