import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { call, createOrg, signup } from "./support/api.js";
import { openRaw } from "./support/raw-socket.js";
import { handshakeError, record, sleep, waitFor } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

/** What one connection may cost a node: namespaces, handshakes, failures (raw wire-level peers). */
const cluster = useCluster(1, { SOCKET_MAX_NAMESPACES: "5" });
const A = () => cluster.nodes[0]!;

describe("one connection, many CONNECTs", () => {
  it("repeated CONNECTs to one namespace yield one socket, and each event is sent once", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const nsp = `/orgs/${org.id}`;
    const raw = await openRaw(A().url);
    for (let i = 0; i < 10; i++) raw.connect(nsp, { token: owner.token });
    await waitFor(() => raw.packets("0", nsp).length + raw.packets("4", nsp).length === 10, "10 answers");
    expect(raw.packets("0", nsp)).toHaveLength(1);
    expect(raw.packets("4", nsp).every((f) => f.includes("already_connected"))).toBe(true);
    expect(A().io._nsps.get(nsp)?.sockets.size).toBe(1);
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "once" } });
    await waitFor(() => raw.packets("2", nsp).some((f) => f.includes('"ready"')), "ready");
    await waitFor(() => raw.packets("2", nsp).some((f) => f.includes("org.updated")), "the event");
    await sleep(200);
    expect(raw.packets("2", nsp).filter((f) => f.includes("org.updated"))).toHaveLength(1);
    raw.close();
  });

  it("a burst of 200 CONNECTs to one namespace: one socket at most, then the connection is closed", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const nsp = `/orgs/${org.id}`;
    const raw = await openRaw(A().url);
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, A().io._nsps.get(nsp)?.sockets.size ?? 0);
    }, 1);
    for (let i = 0; i < 200; i++) raw.connect(nsp, { token: owner.token });
    await raw.closed;
    clearInterval(watch);
    expect(most).toBeLessThanOrEqual(1);
    expect(raw.packets("0", nsp).length).toBeLessThanOrEqual(1);
    await waitFor(() => (A().io._nsps.get(nsp)?.sockets.size ?? 0) === 0, "the socket to go");
  });

  it("a namespace freed by a disconnect can be joined again on the same connection", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const nsp = `/orgs/${org.id}`;
    const raw = await openRaw(A().url);
    raw.connect(nsp, { token: owner.token });
    await waitFor(() => raw.packets("0", nsp).length === 1, "connect");
    raw.ws.send(`41${nsp},`); // the client leaves the namespace
    await waitFor(() => (A().io._nsps.get(nsp)?.sockets.size ?? 0) === 0, "the socket to go");
    raw.connect(nsp, { token: owner.token });
    await waitFor(() => raw.packets("0", nsp).length === 2, "a second connect");
    raw.close();
  });

  it("caps the namespaces of one connection (SOCKET_MAX_NAMESPACES)", async () => {
    const owner = await signup(A(), "owner");
    const orgs: { id: string }[] = [];
    for (let i = 0; i < 6; i++) orgs.push(await createOrg(A(), owner.token, `cap ${i}`));
    const raw = await openRaw(A().url);
    for (const org of orgs.slice(0, 5)) raw.connect(`/orgs/${org.id}`, { token: owner.token });
    await waitFor(() => orgs.slice(0, 5).every((o) => raw.packets("0", `/orgs/${o.id}`).length === 1), "5 connects");
    const sixth = `/orgs/${orgs[5]!.id}`;
    raw.connect(sixth, { token: owner.token });
    await waitFor(() => raw.packets("4", sixth).length === 1, "the refusal");
    expect(raw.packets("4", sixth)[0]).toContain("too_many_namespaces");
    raw.close();
  });

  it("refuses the default namespace and upper-case org ids", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const raw = await openRaw(A().url);
    raw.connect("/", { token: owner.token });
    raw.connect(`/orgs/${org.id.toUpperCase()}`, { token: owner.token });
    await waitFor(() => raw.frames.filter((f) => f.startsWith("44")).length === 2, "two refusals");
    expect(raw.frames.filter((f) => f.startsWith("40"))).toEqual([]);
    expect(A().io._nsps.has(`/orgs/${org.id.toUpperCase()}`)).toBe(false);
    raw.close();
    // The real client hears it as a connect_error.
    expect(await handshakeError(A().url, org.id.toUpperCase(), owner.token)).toMatch(/namespace/i);
  });
});

describe("namespace lifetime", () => {
  it("a handshake refused while another is in flight leaves the accepted socket reachable", async () => {
    const owner = await signup(A(), "owner");
    for (let round = 0; round < 5; round++) {
      const org = await createOrg(A(), owner.token, `orphan ${round}`);
      const nsp = `/orgs/${org.id}`;
      // No socket of this org on the node yet: the refusal lands while the owner's handshake runs.
      const good = record(A().url, org.id, owner.token);
      const bad = await openRaw(A().url);
      bad.connect(nsp, { token: "not-a-token" });
      await good.ready;
      bad.close();
      // Still the namespace the node serves: events and revocations reach it.
      expect([...(A().io._nsps.get(nsp)?.sockets.values() ?? [])].map((s) => s.id)).toEqual([good.socket.id]);
      await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "reached" } });
      await good.waitForSeq(2, 3_000);
      good.close();
    }
  });
});

describe("handshake floods", () => {
  it("10,000 CONNECTs with bogus keys cost a bounded amount: the connection is closed, HTTP stays fast", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const raw = await openRaw(A().url);
    const bogus = () => `ow_${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "").slice(0, 11)}`;
    let namespacesMade = 0;
    const countNamespace = () => {
      namespacesMade++;
    };
    A().io.sockets.on("new_namespace", countNamespace);
    for (let i = 0; i < 10_000; i++) raw.connect(`/orgs/${randomUUID()}`, { token: bogus() });
    const started = Date.now();
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = Date.now();
      expect((await call(A(), "GET", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(200);
      latencies.push(Date.now() - t);
    }
    await raw.closed; // the node gave up on this connection: a burst of CONNECTs no client sends
    A().io.sockets.off("new_namespace", countNamespace);
    // Cut off within the burst: SOCKET_MAX_NAMESPACES (5) + SOCKET_MAX_FAILED_HANDSHAKES (20) + the one that tipped it.
    expect(namespacesMade).toBeGreaterThan(0);
    expect(namespacesMade).toBeLessThanOrEqual(26);
    expect(Date.now() - started).toBeLessThan(5_000);
    // 8 s before the bounds; the bound here is generous, for a shared 2-core machine.
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    const refusals = raw.frames.filter((f) => f.startsWith("44"));
    expect(refusals.length).toBeLessThan(10_000);
    // A well-behaved client on another connection is unaffected.
    const r = record(A().url, org.id, owner.token);
    expect((await r.ready).role).toBe("owner");
    r.close();
  });
});
