import { type Bus, HandlerRegistry, type MessageHandler } from "./bus.js";

/**
 * The single-node bus of the embedded default: delivery is in-process, asynchronous (as with
 * Redis, a subscriber never runs inside the publisher's call) and in publish order.
 */
export function createMemoryBus(): Bus {
  const registry = new HandlerRegistry();
  let closed = false;
  return {
    kind: "memory",
    async publish(channel, message) {
      if (closed) throw new Error("bus is closed");
      // One subscription per channel, as one node holds one broker subscription per channel.
      const receivers = registry.has(channel) ? 1 : 0;
      const copy = structuredClone(message);
      queueMicrotask(() => registry.dispatch(channel, copy));
      return receivers;
    },
    async subscribe(channel, handler: MessageHandler) {
      registry.add(channel, handler);
      return () => {
        registry.remove(channel, handler);
      };
    },
    onReconnect: () => () => {},
    ping: async () => !closed,
    async close() {
      closed = true;
    },
  };
}
