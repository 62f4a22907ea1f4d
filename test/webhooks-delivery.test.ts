import { afterAll, describe, expect, it } from "vitest";
import { call, createOrg, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";
import { firstArrivalSeqs, startReceiver, type TestReceiver } from "./support/webhook-receiver.js";

const cluster = useCluster(2, {
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_TIMEOUT_MS: "300",
  WEBHOOK_RETRY_BASE_MS: "20",
  WEBHOOK_RETRY_MAX_MS: "200",
  WEBHOOK_GIVE_UP_AFTER_MS: "3000",
  OUTBOUND_POLL_MS: "100",
  OUTBOUND_LEASE_MS: "1000",
});
const [A, B] = [() => cluster.nodes[0]!, () => cluster.nodes[1]!];
const receivers: TestReceiver[] = [];
afterAll(async () => {
  for (const r of receivers) await r.close();
});

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function seeded(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe("webhook delivery on two nodes", () => {
  it("delivers 500 mutations from both nodes in seq order, at least once, signed, through 500s and timeouts", async () => {
    const random = seeded(11);
    const receiver = await startReceiver(() => {
      const r = random();
      return r < 0.2 ? "fail" : r < 0.23 ? "sleep" : "ok";
    }, 500);
    receivers.push(receiver);
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token, "Hooks");
    const created = await call(A(), "POST", `/v1/orgs/${org.id}/webhooks`, {
      token: owner.token,
      body: { url: receiver.url, events: ["*"], description: "all" },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    receiver.secret = created.body.secret;
    const from = created.body.webhook.deliveredSeq as number;

    // 500 mutations, half on each node, 10 at a time.
    for (let i = 0; i < 500; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          call((i + j) % 2 ? B() : A(), "PATCH", `/v1/orgs/${org.id}`, {
            token: owner.token,
            body: { name: `n${i + j}` },
          }),
        ),
      );
    }
    const expected = Array.from({ length: 500 }, (_, i) => from + 1 + i);
    await receiver.waitFor(() => receiver.acknowledged().size >= 500, 120_000);

    expect(receiver.badSignatures).toBe(0);
    const firsts = firstArrivalSeqs(receiver.arrivals);
    expect(firsts).toEqual(expected); // every event, each first seen after the one before
    // n+1 never before n was acknowledged: the first try of n+1 comes after n's 2xx.
    const acked = new Map<number, number>();
    receiver.arrivals.forEach((a, i) => {
      if (a.status === 200 && !acked.has(a.seq)) acked.set(a.seq, i);
    });
    receiver.arrivals.forEach((a, i) => {
      if (a.seq > from + 1) expect(acked.get(a.seq - 1) ?? Infinity, `seq ${a.seq}`).toBeLessThan(i);
    });
    expect(receiver.arrivals.some((a) => a.status !== 200)).toBe(true);

    // The delivery log shows the failures and the retries, newest first, in pages.
    const hook = created.body.webhook.id as string;
    const page = await call(B(), "GET", `/v1/orgs/${org.id}/webhooks/${hook}/deliveries?limit=50`, {
      token: owner.token,
    });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(50);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const failed = page.body.items.find((d: { status: string }) => d.status === "failed");
    if (failed) expect(failed).toMatchObject({ error: expect.any(String), nextRetryAt: expect.any(String) });
    // The last 2xx may still be on its way back to the sender: poll until the cursor has it.
    let state = await call(A(), "GET", `/v1/orgs/${org.id}/webhooks/${hook}`, { token: owner.token });
    for (let i = 0; i < 50 && state.body.deliveredSeq !== from + 500; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await call(A(), "GET", `/v1/orgs/${org.id}/webhooks/${hook}`, { token: owner.token });
    }
    expect(state.body).toMatchObject({ deliveredSeq: from + 500, failingSince: null, enabled: true });
  }, 180_000);

  it("turns an endpoint off after its retries run out, records webhook.disabled, and resumes when turned on", async () => {
    let failing = true;
    const receiver = await startReceiver(() => (failing ? "fail" : "ok"));
    receivers.push(receiver);
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token, "Failing");
    // Owners who chose security mail hear of it (the nodes run without SMTP_URL: their dev outboxes).
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { settings: { notifications: { security: true } } },
    });
    const created = await call(A(), "POST", `/v1/orgs/${org.id}/webhooks`, {
      token: owner.token,
      body: { url: receiver.url, events: ["org.updated"] },
    });
    receiver.secret = created.body.secret;
    const hook = created.body.webhook.id as string;
    await call(B(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "one" } });
    const wait = async (check: (w: { enabled: boolean; disabledReason: string | null }) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const w = await call(A(), "GET", `/v1/orgs/${org.id}/webhooks/${hook}`, { token: owner.token });
        if (check(w.body)) return w.body;
        if (Date.now() > deadline) throw new Error(`webhook state: ${JSON.stringify(w.body)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await wait((w) => !w.enabled && w.disabledReason === "failing");
    const events = await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=100`, { token: owner.token });
    const disabled = events.body.items.find((e: { type: string }) => e.type === "webhook.disabled");
    expect(disabled).toMatchObject({ actor: { type: "system" }, target: { id: hook }, data: { url: receiver.url } });
    const outboxes = () =>
      cluster.nodes
        .flatMap((n) => (n.mailer.kind === "outbox" ? n.mailer.outbox() : []))
        .filter((m) => m.to === owner.email);
    for (let i = 0; i < 50 && outboxes().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(outboxes().map((m) => m.subject)).toEqual([expect.stringMatching(/^A webhook was turned off/)]);
    expect(outboxes()[0]?.text).toContain(receiver.url);
    const tries = receiver.arrivals.length;
    expect(tries).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.arrivals.length).toBe(tries); // off means off

    failing = false;
    const on = await call(B(), "PATCH", `/v1/orgs/${org.id}/webhooks/${hook}`, {
      token: owner.token,
      body: { enabled: true },
    });
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null });
    await receiver.waitFor(() => receiver.acknowledged().size === 1, 10_000);
    expect(receiver.arrivals.at(-1)).toMatchObject({ type: "org.updated", status: 200 });
  }, 60_000);
});
