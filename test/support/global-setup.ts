import { Redis } from "ioredis";
import pg from "pg";
import { ADMIN_DATABASE_URL, REDIS_URL } from "./services.js";

/** Runs once before the suite: a missing service fails the run at once, with the reason. */
export default async function checkServices() {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_DATABASE_URL}: ${String(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${REDIS_URL}: ${String(error)}`);
  } finally {
    redis.disconnect();
  }
}
