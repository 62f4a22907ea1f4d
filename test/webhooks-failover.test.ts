import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../server/db/database.js";
import { findWebhook } from "../server/webhooks/webhooks.repository.js";
import { call, createOrg, signup } from "./support/api.js";
import { type SpawnedNode, spawnNode } from "./support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";
import { firstArrivalSeqs, startReceiver } from "./support/webhook-receiver.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe("webhook delivery when the delivering node dies", () => {
  it("moves to the other node within a few seconds and loses nothing (SIGKILL mid-stream)", async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const handle = await openDatabase({ DATABASE_URL: database.url, DATA_DIR: "" });
    cleanups.push(() => handle.close());
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: uniquePrefix("hooks"),
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_RETRY_BASE_MS: "50",
      OUTBOUND_LEASE_MS: "1500",
      OUTBOUND_POLL_MS: "200",
    };
    const nodes: Record<string, SpawnedNode> = {
      a: await spawnNode({ ...env, NODE_ID: "a" }),
      b: await spawnNode({ ...env, NODE_ID: "b" }),
    };
    cleanups.push(
      () => nodes.a!.kill(),
      () => nodes.b!.kill(),
    );
    // Each answer takes a few ms, so 200 events take a while to go out: time to kill mid-stream.
    const receiver = await startReceiver(() => "ok", 0, 15);
    cleanups.push(() => receiver.close());
    const target = { url: nodes.a!.url };
    const other = { url: nodes.b!.url };
    const owner = await signup(target, "owner");
    const org = await createOrg(target, owner.token, "Failover");
    const created = await call(target, "POST", `/v1/orgs/${org.id}/webhooks`, {
      token: owner.token,
      body: { url: receiver.url, events: ["org.*"] },
    });
    receiver.secret = created.body.secret;
    const hook = created.body.webhook.id as string;
    const from = created.body.webhook.deliveredSeq as number;

    // Commits from both nodes, quickly, ahead of the deliveries.
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          call(j % 2 ? other : target, "PATCH", `/v1/orgs/${org.id}`, {
            token: owner.token,
            body: { name: `v${i + j}` },
          }),
        ),
      );
    }
    await receiver.waitFor(() => receiver.acknowledged().size >= 40, 30_000);
    const holder = (await findWebhook(handle.db, org.id, hook))?.lease_owner?.split("/")[0];
    expect(holder === "a" || holder === "b", `holder ${holder}`).toBe(true);
    const killedAt = Date.now();
    expect(receiver.acknowledged().size).toBeLessThan(150); // mid-stream
    await nodes[holder as string]!.kill("SIGKILL");
    const survivor = holder === "a" ? other : target;
    const before = receiver.arrivals.length;

    await receiver.waitFor(() => receiver.acknowledged().size >= 200, 30_000);
    const resumedAfterMs = (receiver.arrivals[before]?.at ?? Number.POSITIVE_INFINITY) - killedAt;
    expect(resumedAfterMs).toBeLessThan(5_000);
    expect(receiver.badSignatures).toBe(0);
    expect(firstArrivalSeqs(receiver.arrivals)).toEqual(Array.from({ length: 200 }, (_, i) => from + 1 + i));
    // The last answer is on its way back: the cursor reaches the end once the sender has it.
    let delivered = 0;
    for (let i = 0; i < 50 && delivered !== from + 200; i++) {
      const state = await call(survivor, "GET", `/v1/orgs/${org.id}/webhooks/${hook}`, { token: owner.token });
      delivered = state.body.deliveredSeq;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(delivered).toBe(from + 200);
    expect((await findWebhook(handle.db, org.id, hook))?.lease_owner ?? "").not.toMatch(new RegExp(`^${holder}/`));
  }, 120_000);
});
