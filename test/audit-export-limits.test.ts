/**
 * What an audit export may cost a node: bytes per page, exports at once, and a client that leaves
 * while the export's own audit record fails. Logs of large entries stand in for entries that carry
 * callers' text (long user agents, settings with many domains); at ~30 MB they are more than the
 * loopback socket buffers hold, so an export whose client stops reading stays under way.
 */
import { describe, expect, it } from "vitest";
import { createAuditLogsService, EXPORT_PAGE_BYTES } from "../server/audit/audit-logs.service.js";
import { mutateOrgAsSystem } from "../server/events/unit-of-work.js";
import { call, createOrg, signup, type TestUser } from "./support/api.js";
import { spawnNode } from "./support/nodes.js";
import { REDIS_URL } from "./support/services.js";
import { sleep } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1, { AUDIT_EXPORT_MAX_CONCURRENT: "2" });
const node = () => cluster.nodes[0]!;

const ENTRY_BYTES = 256 * 1024;
const ENTRIES = 120;

/** An org whose log is `org.created` and `entries` entries of ENTRY_BYTES each. */
async function orgWithLargeLog(entries = ENTRIES): Promise<{ owner: TestUser; orgId: string }> {
  const owner = await signup(node(), "owner");
  const org = await createOrg(node(), owner.token);
  await mutateOrgAsSystem({ db: node().db, sink: { committed: async () => {} } }, org.id, "seed", async (scope) => {
    for (let i = 0; i < entries; i++) {
      await scope.record({
        type: "org.updated",
        target: { type: "org", id: org.id },
        data: { name: `entry ${i} `.padEnd(ENTRY_BYTES, "x") },
      });
    }
  });
  return { owner, orgId: org.id };
}

/** An export whose client read the first bytes and then stops reading (until `readToEnd`). */
async function stalledExport(url: string, orgId: string, token: string, query = "format=ndjson") {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/orgs/${orgId}/audit-logs/export?${query}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  return {
    abort: () => controller.abort(),
    async readToEnd(): Promise<string> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text + decoder.decode();
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const exportOf = (url: string, orgId: string, token: string, query: string) =>
  call({ url }, "GET", `/v1/orgs/${orgId}/audit-logs/export?${query}`, { token });

describe("audit export limits", () => {
  it("reads large entries in pages of at most EXPORT_PAGE_BYTES, and still exports every entry", async () => {
    const entries = 20;
    const { owner, orgId } = await orgWithLargeLog(entries);
    const service = createAuditLogsService({ db: node().db, sink: { committed: async () => {} } });
    const actor = { type: "user", userId: owner.user.id, email: owner.email, sessionId: "s" } as const;
    const access = {
      orgId,
      role: "owner",
      userId: owner.user.id,
      audit: true,
      isApiKey: false,
      mfaEnabled: false,
      mfaMissing: false,
    } as const;
    const context = { ip: null, userAgent: null, requestId: null };
    // Both page queries: one index branch (no filter), and branches merged (a prefix filter).
    for (const filters of [{}, { action: "org.*" }]) {
      const sizes: number[] = [];
      let lines = 0;
      for await (const chunk of service.exportChunks({ actor, context }, access, { format: "ndjson", ...filters })) {
        sizes.push(Buffer.byteLength(chunk));
        lines += chunk.split("\n").length - 1;
      }
      expect(Math.max(...sizes), JSON.stringify(filters)).toBeLessThanOrEqual(EXPORT_PAGE_BYTES);
      // Pages of several entries each, not one entry per query.
      expect(sizes.length).toBeLessThan(entries / 2);
      expect(lines).toBe(entries + 1);
    }
  });

  it("answers 503 with Retry-After past AUDIT_EXPORT_MAX_CONCURRENT while the running exports stream to the end", async () => {
    const { owner, orgId } = await orgWithLargeLog();
    const url = node().url;
    const first = await stalledExport(url, orgId, owner.token);
    const second = await stalledExport(url, orgId, owner.token);
    try {
      // A small export (org.created only) needs a slot too.
      const small = "format=csv&action=org.created";
      const refused = await exportOf(url, orgId, owner.token, small);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe("unavailable");
      expect(refused.headers.get("retry-after")).toBe("2");

      // A client that leaves gives its slot back.
      first.abort();
      await until(async () => (await exportOf(url, orgId, owner.token, small)).status === 200, "a free slot");

      // The export that kept its slot was only waiting for its reader: it ends with every entry.
      const text = await second.readToEnd();
      const seqs = text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).seq);
      expect(seqs).toEqual(Array.from({ length: ENTRIES + 1 }, (_, i) => i + 1));
    } finally {
      first.abort();
      second.abort();
    }
  });

  it("survives a client that leaves while the export's audit record fails, and logs the failure", async () => {
    const spawned = await spawnNode({
      DATABASE_URL: cluster.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: cluster.redisPrefix,
      NODE_ID: "spawned",
    });
    try {
      const { owner, orgId } = await orgWithLargeLog();
      const download = await stalledExport(spawned.url, orgId, owner.token);
      // Deleting the org makes the export's closing `audit.exported` write fail (404 under the lock).
      expect((await call(node(), "DELETE", `/v1/orgs/${orgId}`, { token: owner.token })).status).toBe(204);
      download.abort();
      const ended = () => /audit export failed|unhandled promise rejection/.test(spawned.output());
      await until(() => spawned.child.exitCode !== null || ended(), "the export's end");
      expect(spawned.child.exitCode, spawned.output()).toBeNull();
      expect((await fetch(`${spawned.url}/healthz`)).status).toBe(200);
      // Handled where it happened (and logged), not by the process-wide last resort in main.ts.
      expect(spawned.output()).toContain("audit export failed");
      expect(spawned.output()).not.toContain("unhandled promise rejection");
    } finally {
      await spawned.kill();
    }
  });
});
