/**
 * DATABASE_READ_URL: audit pages, exports and verification read the replica; authorization, the
 * export's own record and `GET /events` stay on the primary. The "replica" is a copy of the primary
 * taken at one point (`CREATE DATABASE … TEMPLATE`) and never updated: a replica that stopped
 * replicating. What a read returns then says which database served it, without real replication.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../server/config.js";
import type { OrgwireNode } from "../server/node.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { spawnNode, startTestNode } from "./support/nodes.js";
import { ADMIN_DATABASE_URL, createTestDatabase } from "./support/services.js";
import { sleep } from "./support/sockets.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Backends connected to a database (a closed pool's leave shortly after it ends). */
const connectionsTo = (name: string) =>
  admin(
    async (c) =>
      Number((await c.query("select count(*) from pg_stat_activity where datname = $1", [name])).rows[0].count) || 0,
  );

/**
 * A copy of `url`'s database as it is now. TEMPLATE needs the source to have no connections; a
 * closed node's backends may take a moment to exit, hence the retries.
 */
async function snapshotOf(url: string): Promise<{ url: string; name: string }> {
  const source = new URL(url).pathname.slice(1);
  const name = `${source}_replica_${randomBytes(3).toString("hex")}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`create database ${name} template ${source}`));
      break;
    } catch (err) {
      if (attempt >= 50 || !/being accessed by other users/.test(String(err))) throw err;
      await sleep(100);
    }
  }
  cleanups.push(() => admin((c) => c.query(`drop database if exists ${name} with (force)`)));
  const copy = new URL(url);
  copy.pathname = `/${name}`;
  return { url: copy.toString(), name };
}

interface Entry {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

describe("DATABASE_READ_URL", () => {
  it("serves audit pages, exports and verification from the replica, and nothing else", async () => {
    const primary = await createTestDatabase();
    cleanups.push(primary.drop);
    let node: OrgwireNode & { url: string } = await startTestNode({ DATABASE_URL: primary.url });
    const owner = await signup(node, "owner");
    const org = await createOrg(node, owner.token);
    await call(node, "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Before the copy" } });
    const atCopy = (await call(node, "GET", `/v1/orgs/${org.id}/audit-logs`, { token: owner.token })).body.items;
    expect(atCopy.map((e: Entry) => e.type)).toEqual(["org.updated", "org.created"]);
    await node.close();

    const replica = await snapshotOf(primary.url);
    node = await startTestNode({ DATABASE_URL: primary.url, DATABASE_READ_URL: replica.url });
    cleanups.push(() => node.close());
    await call(node, "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "After the copy" } });
    // Someone the replica has never heard of (user, session, membership): their reads are allowed
    // only if the role lookup asks the primary.
    const auditor = await signup(node, "auditor");
    await addMember(node.db, org.id, auditor.user.id, "owner");
    const as = { token: auditor.token };

    // The list: the log as it was at the copy, though the primary has moved on.
    const page = await call(node, "GET", `/v1/orgs/${org.id}/audit-logs`, as);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.items).toEqual(atCopy);

    // The export: the same entries, oldest first; its own record goes to the primary.
    const exported = await call(node, "GET", `/v1/orgs/${org.id}/audit-logs/export?format=ndjson`, as);
    expect(exported.status).toBe(200);
    const lines = String(exported.body)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Entry);
    expect(lines).toEqual([...atCopy].reverse());

    // The chain, walked on the replica: whole, and as long as the replica's log.
    const report = await call(node, "GET", `/v1/orgs/${org.id}/audit-logs/verify`, as);
    expect(report.body).toEqual({ ok: true, checked: atCopy.length });

    // GET /events reads the primary: the change after the copy, and the export's record.
    let events: Entry[] = [];
    for (let i = 0; i < 50 && !events.some((e) => e.type === "audit.exported"); i++) {
      if (i > 0) await sleep(100);
      events = (await call(node, "GET", `/v1/orgs/${org.id}/events?limit=500`, as)).body.items;
    }
    expect(events.map((e) => e.type)).toEqual(["org.created", "org.updated", "org.updated", "audit.exported"]);
    expect(events[2]?.data).toMatchObject({ name: "After the copy" });
    expect(events[3]?.data).toEqual({ format: "ndjson", count: atCopy.length });

    // The replica's pool is open while the node runs, and closed with it.
    expect(await connectionsTo(replica.name)).toBeGreaterThan(0);
    await node.close();
    let left = -1;
    for (let i = 0; i < 50 && left !== 0; i++) {
      if (i > 0) await sleep(100);
      left = await connectionsTo(replica.name);
    }
    expect(left).toBe(0);
  });

  it("refuses DATABASE_READ_URL without DATABASE_URL, naming the variable on one line", async () => {
    const replicaUrl = "postgres://postgres@127.0.0.1:5432/nowhere";
    expect(() => loadConfig({ DATABASE_READ_URL: replicaUrl })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_READ_URL: replicaUrl })).toThrow(
      /^invalid DATABASE_READ_URL: needs DATABASE_URL/,
    );
    expect(() => loadConfig({ DATABASE_URL: replicaUrl, DATABASE_READ_URL: "mysql://x" })).toThrow(
      "invalid DATABASE_READ_URL: must be a postgres:// URL",
    );

    // `npm start` prints it and exits 1, before opening anything.
    const spawned = await spawnNode({ DATABASE_READ_URL: replicaUrl }, { waitReady: false });
    expect(await spawned.exited).toBe(1);
    const output = spawned.output().trim();
    expect(output).not.toContain("\n");
    expect(output).toMatch(/^orgwire: invalid DATABASE_READ_URL: needs DATABASE_URL/);
  });
});
