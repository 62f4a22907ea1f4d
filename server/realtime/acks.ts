import { randomUUID } from "node:crypto";

/**
 * Counts acknowledgements of requests sent over the bus. The expected count is what PUBLISH
 * answered: the number of nodes subscribed to the channel, i.e. those holding affected sockets.
 */
export class AckTracker {
  readonly #pending = new Map<string, { remaining: number; done: () => void }>();
  /** Acks that came before `expect` was called (the publishing node may ack itself first). */
  readonly #early = new Map<string, number>();

  newId(): string {
    return randomUUID();
  }

  receive(id: string): void {
    const entry = this.#pending.get(id);
    if (entry) {
      entry.remaining--;
      if (entry.remaining <= 0) entry.done();
      return;
    }
    this.#early.set(id, (this.#early.get(id) ?? 0) + 1);
    setTimeout(() => this.#early.delete(id), 5_000).unref();
  }

  /** Resolves with how many acks are still missing once all came or `timeoutMs` passed. */
  expect(id: string, expected: number, timeoutMs: number): Promise<number> {
    const early = this.#early.get(id) ?? 0;
    this.#early.delete(id);
    if (expected - early <= 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const entry = {
        remaining: expected - early,
        done: () => {
          clearTimeout(timer);
          this.#pending.delete(id);
          resolve(Math.max(0, entry.remaining));
        },
      };
      const timer = setTimeout(entry.done, timeoutMs);
      this.#pending.set(id, entry);
    });
  }
}
