/** The storm's writer: an open loop of writes, and the latencies and failures it saw. */
import { Agent } from "node:http";
import { sleep, stats, wallNow } from "../support.js";
import { send } from "./load.js";

/** Keep-alive connections the writer holds open before the storm. */
const WRITER_POOL = 16;

/**
 * The writer's keep-alive pool, opened before the storm, as the load balancer in front of the nodes
 * keeps one (deploy/nginx.conf: 64 idle connections per worker). A connection opened during the
 * storm would wait in the node's accept queue behind the storm's thousands; that wait is measured
 * by how fast the node drains the queue, not by how fast it answers a write.
 */
export async function warmPool(url: string): Promise<Agent> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  await Promise.all(
    Array.from({ length: WRITER_POOL }, () => send(agent, { url, method: "GET", path: "/readyz", expect: 200 })),
  );
  return agent;
}

/** Open loop: one call every `everyMs` whatever the previous ones do; latency from each send. */
export type WriteSample = { at: number; ms: number; ok: boolean; outcome: string };

export function startWriter(everyMs: number, fire: (k: number) => Promise<number>) {
  const samples: WriteSample[] = [];
  /** Each unanswered call, with what counts it as failed if it is still unanswered at stop. */
  const pending = new Map<Promise<void>, () => void>();
  let stopped = false;
  let k = 0;
  const t0 = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const at = wallNow();
      const started = performance.now();
      let counted = false;
      const count = (outcome: string) => {
        if (counted) return;
        counted = true;
        samples.push({ at, ms: performance.now() - started, ok: /^2\d\d$/.test(outcome), outcome });
      };
      const p = fire(k++)
        .then((status) => String(status))
        .catch((err: NodeJS.ErrnoException) => err.code ?? err.message)
        .then(count);
      pending.set(p, () => count("unanswered"));
      void p.finally(() => pending.delete(p));
      const next = t0 + k * everyMs;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    samples,
    /** Stops writing; calls still unanswered after `graceMs` count as failed, with their age as latency. */
    async stop(graceMs = 5_000) {
      stopped = true;
      await loop;
      await Promise.race([Promise.all(pending.keys()), sleep(graceMs)]);
      for (const censor of pending.values()) censor();
      pending.clear();
    },
  };
}

export const writerStats = (samples: WriteSample[], from = 0, to = Infinity) => {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const failures: Record<string, number> = {};
  for (const s of inside) if (!s.ok) failures[s.outcome] = (failures[s.outcome] ?? 0) + 1;
  return { ...stats(inside.map((s) => s.ms)), failed: inside.filter((s) => !s.ok).length, failures };
};
