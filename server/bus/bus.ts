/**
 * The bus carries messages between the nodes of one deployment: committed events, revocation
 * requests and their acknowledgements. It is never the source of truth: Postgres is, and readers
 * refill anything the bus dropped from there (see server/realtime/README.md).
 */
export interface Bus {
  readonly kind: "redis" | "memory";
  /**
   * Sends `message` to every subscriber of `channel` on every node. Resolves with the number of
   * subscriptions (one per node and channel) that received it; rejects while the bus is down.
   */
  publish(channel: string, message: unknown): Promise<number>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;
  /** Called each time the bus comes back after losing its connection (messages may be lost). */
  onReconnect(listener: () => void): Unsubscribe;
  /** Resolves true while the bus answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type MessageHandler = (message: unknown) => void;
export type Unsubscribe = () => Promise<void> | void;

/**
 * Keeps one handler set per channel so that a node holds a single broker subscription per
 * channel however many local listeners it has; shared by both implementations.
 */
export class HandlerRegistry {
  readonly #handlers = new Map<string, Set<MessageHandler>>();

  /** Adds the handler; returns true when it is the channel's first. */
  add(channel: string, handler: MessageHandler): boolean {
    const set = this.#handlers.get(channel);
    if (set) {
      set.add(handler);
      return false;
    }
    this.#handlers.set(channel, new Set([handler]));
    return true;
  }

  /** Removes the handler; returns true when the channel has none left. */
  remove(channel: string, handler: MessageHandler): boolean {
    const set = this.#handlers.get(channel);
    if (!set?.delete(handler)) return false;
    if (set.size > 0) return false;
    this.#handlers.delete(channel);
    return true;
  }

  has(channel: string): boolean {
    return this.#handlers.has(channel);
  }

  dispatch(channel: string, message: unknown): void {
    for (const handler of this.#handlers.get(channel) ?? []) handler(message);
  }
}
