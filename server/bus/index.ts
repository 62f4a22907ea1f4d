import type { Config } from "../config.js";
import type { Bus } from "./bus.js";
import { createMemoryBus } from "./memory-bus.js";
import { createRedisBus } from "./redis-bus.js";

export type { Bus, MessageHandler, Unsubscribe } from "./bus.js";

export function openBus(
  config: Pick<Config, "REDIS_URL" | "REDIS_PREFIX">,
  onError?: (e: Error) => void,
): Promise<Bus> {
  if (!config.REDIS_URL) return Promise.resolve(createMemoryBus());
  return createRedisBus({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, onError });
}
