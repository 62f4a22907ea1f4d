import type { Config } from "../config.js";
import type { Bus } from "./bus.js";
import { createClusterBus } from "./cluster-bus.js";
import { createMemoryBus } from "./memory-bus.js";
import { createRedisBus } from "./redis-bus.js";

export type { Bus, MessageHandler, Unsubscribe } from "./bus.js";

/** REDIS_CLUSTER_NODES wins over REDIS_URL; neither set, the node runs alone on the in-process bus. */
export function openBus(
  config: Pick<Config, "REDIS_URL" | "REDIS_PREFIX"> & Partial<Pick<Config, "REDIS_CLUSTER_NODES">>,
  onError?: (e: Error) => void,
): Promise<Bus> {
  if (config.REDIS_CLUSTER_NODES?.length) {
    return createClusterBus({ nodes: config.REDIS_CLUSTER_NODES, prefix: config.REDIS_PREFIX, onError });
  }
  if (!config.REDIS_URL) return Promise.resolve(createMemoryBus());
  return createRedisBus({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, onError });
}
