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
