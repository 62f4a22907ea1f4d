import { afterAll, beforeAll } from "vitest";
import type { OrgwireNode } from "../../server/node.js";
import { startTestNode } from "./nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./services.js";

export interface Cluster {
  nodes: (OrgwireNode & { url: string })[];
  databaseUrl: string;
  redisPrefix: string;
}

/**
 * A fresh database and Redis prefix for this file, and `count` nodes on them (real Postgres, real
 * Redis). Returns a live object whose fields are filled in beforeAll.
 */
export function useCluster(count = 1, env: Record<string, string> = {}): Cluster {
  const cluster = { nodes: [], databaseUrl: "", redisPrefix: "" } as Cluster;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    cluster.databaseUrl = database.url;
    cluster.redisPrefix = uniquePrefix();
    for (let i = 0; i < count; i++) {
      cluster.nodes.push(
        await startTestNode({
          DATABASE_URL: database.url,
          REDIS_URL,
          REDIS_PREFIX: cluster.redisPrefix,
          NODE_ID: `node-${i}`,
          ...env,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const node of cluster.nodes) await node.close();
    await drop?.();
  });
  return cluster;
}

/**
 * Sockets of this user (or API keys they created) still attached to the org's namespace, on any
 * node of the cluster: the server's view, where an acknowledged revocation is promised.
 */
export const liveSocketsOf = (cluster: Cluster, orgId: string, userId: string) =>
  cluster.nodes.flatMap((n) =>
    [...(n.io._nsps.get(`/orgs/${orgId}`)?.sockets.values() ?? [])].filter((s) => {
      const actor = s.data.actor;
      return actor && (actor.type === "user" ? actor.userId : actor.creatorId) === userId;
    }),
  );
