import { Redis } from "ioredis";
import { type Bus, HandlerRegistry, type MessageHandler } from "./bus.js";
import { keySlot, SLOT_COUNT } from "./cluster-slot.js";

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface ClusterBusOptions {
  /** Some nodes of the cluster; the masters are learnt from CLUSTER SLOTS. */
  nodes: readonly ClusterNodeAddress[];
  /** Prefixes every channel, so deployments and test runs sharing one cluster never hear each other. */
  prefix: string;
  onError?: (error: Error) => void;
  /** How often the slot map is re-read while everything is healthy (failovers that drop no connection). */
  topologyRefreshMs?: number;
}

/** One master: a connection to publish on and one to hold this node's shard-channel subscriptions. */
interface Shard {
  key: string;
  pub: Redis;
  sub: Redis;
  /** Channels subscribed on `sub`'s current connection (emptied whenever it drops). */
  active: Set<string>;
}

const HEALING_RETRY_MS = 200;

/**
 * The bus on a Redis Cluster, with sharded pub/sub (SSUBSCRIBE/SPUBLISH): a channel lives on the
 * master that owns its slot, so a publish reaches one shard instead of being broadcast over the
 * cluster bus to every node, and SPUBLISH's answer counts every subscriber of the channel (they all
 * subscribe on that same master): acknowledged revocation relies on that count.
 *
 * Connections are per master, chosen by slot from CLUSTER SLOTS, rather than ioredis' Cluster with
 * `shardedSubscribers`: this bus has to know when every subscription is back after a master dropped
 * (to call onReconnect only then, so the realtime layer's gap-fill cannot run before messages flow
 * again), which that client does not report. ioredis' auto-resubscribe is off for the same reason:
 * `heal` resubscribes, on whichever master owns each channel's slot by then.
 */
export async function createClusterBus(options: ClusterBusOptions): Promise<Bus> {
  if (options.nodes.length === 0) throw new Error("no Redis Cluster nodes given");
  const onError = options.onError ?? (() => {});
  const registry = new HandlerRegistry();
  const reconnectListeners = new Set<() => void>();
  /** Prefixed names of the channels this node listens to, whichever shard they live on. */
  const wanted = new Set<string>();
  const shards = new Map<string, Shard>();
  /** Slot → key (`host:port`) of the master that serves it. */
  let slots: (string | undefined)[] = new Array(SLOT_COUNT);
  let closed = false;
  /** A subscription was interrupted: messages may be lost, so onReconnect is due once all are back. */
  let interrupted = false;
  let healing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const ownerOf = (channel: string) => {
    const key = slots[keySlot(channel)];
    return key === undefined ? undefined : shards.get(key);
  };

  const common = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // Masters come back (restart) or are replaced (failover, found by `heal`); keep trying meanwhile.
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
  };

  function openShard(key: string, host: string, port: number): Shard {
    const shard: Shard = {
      key,
      // Publishing fails fast while the master is unreachable, as the single-Redis bus does.
      pub: new Redis({ ...common, host, port, enableOfflineQueue: false }),
      sub: new Redis({ ...common, host, port, enableOfflineQueue: true, autoResubscribe: false }),
      active: new Set(),
    };
    shard.pub.on("error", onError);
    shard.sub.on("error", onError);
    shard.sub.on("close", () => {
      if (shard.active.size > 0) interrupted = true;
      shard.active.clear();
      schedule(0);
    });
    shard.sub.on("ready", () => {
      if (interrupted) schedule(0);
    });
    shard.sub.on("smessage", (channel: string, raw: string) => {
      if (!channel.startsWith(options.prefix)) return;
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        return onError(new Error(`unparsable bus message on ${channel}`));
      }
      registry.dispatch(channel.slice(options.prefix.length), message);
    });
    shards.set(key, shard);
    return shard;
  }

  /** Reads CLUSTER SLOTS from a connected master, else from any node given or known. */
  async function readSlots(): Promise<unknown[]> {
    for (const shard of shards.values()) {
      if (shard.pub.status !== "ready") continue;
      try {
        return (await shard.pub.call("CLUSTER", "SLOTS")) as unknown[];
      } catch (err) {
        onError(err as Error);
      }
    }
    const candidates = [...options.nodes];
    for (const key of shards.keys()) candidates.push(parseKey(key));
    let lastError: unknown;
    for (const node of candidates) {
      const probe = new Redis({
        host: node.host,
        port: node.port,
        lazyConnect: true,
        connectTimeout: 1_000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on("error", () => {});
      try {
        await probe.connect();
        return (await probe.call("CLUSTER", "SLOTS")) as unknown[];
      } catch (err) {
        lastError = err;
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`no Redis Cluster node answers CLUSTER SLOTS: ${(lastError as Error)?.message ?? "none given"}`);
  }

  async function refreshTopology(): Promise<void> {
    const ranges = await readSlots();
    const next: (string | undefined)[] = new Array(SLOT_COUNT);
    const masters = new Map<string, ClusterNodeAddress>();
    for (const range of ranges) {
      const [start, end, master] = range as [number, number, [string, number]];
      // An empty host means "the address you reached me on"; every node is given by address here.
      const host = master[0] || options.nodes[0]!.host;
      const key = `${host}:${master[1]}`;
      masters.set(key, { host, port: Number(master[1]) });
      for (let slot = Number(start); slot <= Number(end); slot++) next[slot] = key;
    }
    slots = next;
    for (const [key, address] of masters) {
      if (!shards.has(key)) {
        const shard = openShard(key, address.host, address.port);
        await Promise.all([shard.pub.connect(), shard.sub.connect()]).catch(onError);
      }
    }
    // A node no longer master of anything (failed over, or removed): its channels move in `reconcile`.
    for (const [key, shard] of shards) {
      if (masters.has(key)) continue;
      if (shard.active.size > 0) interrupted = true;
      shards.delete(key);
      shard.pub.disconnect();
      shard.sub.disconnect();
    }
  }

  /** Subscribes each wanted channel on its owner and drops subscriptions held on the wrong shard. */
  async function reconcile(): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const shard of shards.values()) {
      for (const channel of shard.active) {
        if (wanted.has(channel) && ownerOf(channel) === shard) continue;
        shard.active.delete(channel);
        work.push(shard.sub.sunsubscribe(channel).catch(onError));
      }
    }
    for (const channel of wanted) {
      const shard = ownerOf(channel);
      if (shard && !shard.active.has(channel) && shard.sub.status === "ready") work.push(subscribeOn(shard, channel));
    }
    await Promise.all(work);
  }

  async function subscribeOn(shard: Shard, channel: string): Promise<void> {
    await shard.sub.ssubscribe(channel);
    // Only a subscription confirmed on the live connection counts; `close` empties the set.
    if (shard.sub.status === "ready" && wanted.has(channel)) shard.active.add(channel);
  }

  const complete = () =>
    [...wanted].every((channel) => {
      const shard = ownerOf(channel);
      return shard !== undefined && shard.sub.status === "ready" && shard.active.has(channel);
    });

  /** Re-reads the slot map, puts every subscription where it belongs, and reports a recovery. */
  function heal(): Promise<void> {
    healing ??= (async () => {
      try {
        await refreshTopology();
        await reconcile();
      } catch (err) {
        onError(err as Error);
      } finally {
        healing = undefined;
      }
      if (closed) return;
      if (interrupted && complete()) {
        interrupted = false;
        for (const listener of reconnectListeners) listener();
      }
      schedule(interrupted || !complete() ? HEALING_RETRY_MS : (options.topologyRefreshMs ?? 5_000));
    })();
    return healing;
  }

  function schedule(delayMs: number) {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void heal(), delayMs);
    timer.unref();
  }

  const isMoved = (err: unknown) => /^(MOVED|ASK|CLUSTERDOWN)\b/.test((err as Error)?.message ?? "");

  try {
    await refreshTopology();
  } catch (err) {
    for (const shard of shards.values()) {
      shard.pub.disconnect();
      shard.sub.disconnect();
    }
    throw err;
  }
  schedule(options.topologyRefreshMs ?? 5_000);

  async function publishOnce(channel: string, payload: string): Promise<number> {
    const shard = ownerOf(channel);
    if (!shard) throw new Error(`no Redis Cluster master serves the slot of ${channel}`);
    return (await shard.pub.spublish(channel, payload)) as number;
  }

  return {
    kind: "redis",
    async publish(channel, message) {
      if (closed) throw new Error("bus is closed");
      const full = options.prefix + channel;
      const payload = JSON.stringify(message);
      try {
        return await publishOnce(full, payload);
      } catch (err) {
        if (!isMoved(err)) throw err;
        // The slot moved (failover, resharding): learn the new owner, and try there once.
        await heal();
        return publishOnce(full, payload);
      }
    },
    async subscribe(channel, handler: MessageHandler) {
      const full = options.prefix + channel;
      if (registry.add(channel, handler)) {
        wanted.add(full);
        try {
          const shard = ownerOf(full);
          if (!shard) throw new Error(`no Redis Cluster master serves the slot of ${full}`);
          await subscribeOn(shard, full).catch(async (err) => {
            if (!isMoved(err)) throw err;
            await heal();
            const owner = ownerOf(full);
            if (!owner?.active.has(full)) throw err;
          });
        } catch (err) {
          registry.remove(channel, handler);
          wanted.delete(full);
          throw err;
        }
      }
      return async () => {
        if (!registry.remove(channel, handler)) return;
        wanted.delete(full);
        for (const shard of shards.values()) {
          if (shard.active.delete(full)) await shard.sub.sunsubscribe(full).catch(onError);
        }
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => {
        reconnectListeners.delete(listener);
      };
    },
    /** True while every master answers: with one down, its channels' messages are lost. */
    async ping() {
      if (closed || shards.size === 0) return false;
      try {
        const answers = await Promise.all([...shards.values()].map((shard) => shard.pub.ping()));
        return answers.every((answer) => answer === "PONG");
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const shard of shards.values()) {
        shard.pub.disconnect();
        shard.sub.disconnect();
      }
    },
  };
}

function parseKey(key: string): ClusterNodeAddress {
  const colon = key.lastIndexOf(":");
  return { host: key.slice(0, colon), port: Number(key.slice(colon + 1)) };
}
