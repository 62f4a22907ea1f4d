import { Redis } from "ioredis";
import { type Bus, HandlerRegistry, type MessageHandler } from "./bus.js";

export interface RedisBusOptions {
  url: string;
  /** Prefixes every channel, so deployments and test runs sharing one Redis never hear each other. */
  prefix: string;
  onError?: (error: Error) => void;
}

/**
 * Plain SUBSCRIBE channels (never PSUBSCRIBE: Redis matches every publish against every pattern,
 * which collapses throughput with one pattern per org). Two connections, because a subscribed
 * connection can do nothing else. Publishing fails fast while Redis is down instead of queueing:
 * the caller has already committed to Postgres, and readers refill gaps from there.
 */
export async function createRedisBus(options: RedisBusOptions): Promise<Bus> {
  const common = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
  };
  const pub = new Redis(options.url, { ...common, enableOfflineQueue: false });
  const sub = new Redis(options.url, { ...common, enableOfflineQueue: true });
  const registry = new HandlerRegistry();
  const reconnectListeners = new Set<() => void>();
  const onError = options.onError ?? (() => {});
  pub.on("error", onError);
  sub.on("error", onError);

  let lostConnection = false;
  sub.on("close", () => {
    lostConnection = true;
  });
  sub.on("ready", () => {
    // ioredis re-subscribes by itself on reconnect; messages published meanwhile are gone.
    if (!lostConnection) return;
    lostConnection = false;
    for (const listener of reconnectListeners) listener();
  });
  sub.on("message", (channel: string, raw: string) => {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return onError(new Error(`unparsable bus message on ${channel}`));
    }
    registry.dispatch(channel.slice(options.prefix.length), message);
  });

  await Promise.all([pub.connect(), sub.connect()]);

  return {
    kind: "redis",
    async publish(channel, message) {
      return pub.publish(options.prefix + channel, JSON.stringify(message));
    },
    async subscribe(channel, handler: MessageHandler) {
      if (registry.add(channel, handler)) await sub.subscribe(options.prefix + channel);
      return async () => {
        if (registry.remove(channel, handler)) await sub.unsubscribe(options.prefix + channel).catch(onError);
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => {
        reconnectListeners.delete(listener);
      };
    },
    async ping() {
      try {
        return (await pub.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
