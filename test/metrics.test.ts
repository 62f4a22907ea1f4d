import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../server/config.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { startTestNode } from "./support/nodes.js";
import { REDIS_URL, uniquePrefix } from "./support/services.js";
import { record } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

/** Two nodes on one Postgres and one Redis; /metrics on the public port (no METRICS_PORT). */
const cluster = useCluster(2);
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format (what prom-client writes): `name{a="x",b="y"} value`, `#` lines skipped. */
function parse(text: string): Sample[] {
  return text.split("\n").flatMap((line) => {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) return [];
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    return [{ name: match[1] as string, labels, value: Number(match[3]) }];
  });
}

async function scrape(url: string): Promise<{ samples: Sample[]; contentType: string | null }> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return { samples: parse(await res.text()), contentType: res.headers.get("content-type") };
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe("GET /metrics", () => {
  it("counts commits, deliveries, lag, acks, sockets and requests by route pattern on each node", async () => {
    const N = 5;
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token); // seq 1: org.created
    const bob = await signup(A(), "bob");
    await addMember(A().db, org.id, bob.user.id, "editor"); // the repository, no event
    const bobOnB = record(B().url, org.id, bob.token);
    await bobOnB.ready;

    const before = await scrape(B().url);
    expect(sampleValue(before.samples, "orgwire_sockets")).toBe(1);

    for (let i = 0; i < N; i++) {
      const res = await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `n${i}` } });
      expect(res.status).toBe(200);
    }
    await bobOnB.waitForSeq(1 + N);
    // A path no route matches, with an id in it: it must not become a label value.
    expect((await call(A(), "GET", `/v1/no-such-route/${org.id}`, { token: owner.token })).status).toBe(404);
    // Acknowledged removal: node B has revoked and disconnected the socket before this answers.
    const removal = await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token });
    expect(removal.status).toBe(204);
    expect((await bobOnB.revoked).reason).toBe("member_removed");

    const a = await scrape(A().url);
    const b = await scrape(B().url);
    expect(a.contentType).toBe(A().metrics.registry.contentType);

    // Node A committed everything: org.created, N renames, member.removed. Node B committed nothing.
    expect(sampleValue(a.samples, "orgwire_events_appended_total")).toBe(1 + N + 1);
    expect(sampleValue(b.samples, "orgwire_events_appended_total")).toBe(0);
    // Node B broadcast every rename to its one socket (and the removal, once it applied it).
    expect(sampleValue(b.samples, "orgwire_events_delivered_total")).toBeGreaterThanOrEqual(N);
    expect(sampleValue(b.samples, "orgwire_delivery_lag_seconds_count")).toBeGreaterThanOrEqual(N);
    expect(sampleValue(b.samples, "orgwire_delivery_lag_seconds_bucket", { le: "+Inf" })).toBeGreaterThanOrEqual(N);
    // The removal changed access: node A waited for node B's ack.
    expect(sampleValue(a.samples, "orgwire_revocation_ack_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(b.samples, "orgwire_sockets")).toBe(0);
    expect(sampleValue(a.samples, "orgwire_gap_fills_total")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(a.samples, "orgwire_bus_reconnects_total")).toBe(0);

    const duration = "orgwire_http_request_duration_seconds_count";
    expect(sampleValue(a.samples, duration, { method: "PATCH", route: "/v1/orgs/{orgId}", status: "200" })).toBe(N);
    expect(
      sampleValue(a.samples, duration, { method: "DELETE", route: "/v1/orgs/{orgId}/members/{userId}", status: "204" }),
    ).toBe(1);
    expect(sampleValue(a.samples, duration, { method: "GET", route: "unmatched", status: "404" })).toBe(1);
    // The first scrape of node B is itself a request (its own series: a plain route, not /v1).
    expect(
      sampleValue(b.samples, duration, { method: "GET", route: "/metrics", status: "200" }),
    ).toBeGreaterThanOrEqual(1);

    for (const { samples } of [a, b]) {
      const leaked = samples.filter((s) => Object.values(s.labels).some((v) => UUID.test(v)));
      expect(leaked).toEqual([]);
      expect(sampleValue(samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
    }
    bobOnB.close();
  });

  it("answers 405 to other methods than GET, like the node's other routes", async () => {
    const res = await call(A(), "POST", "/metrics");
    expect(res.status).toBe(405);
  });
});

describe("METRICS_PORT", () => {
  it("serves /metrics on its own port, and the public port answers 404 for it", async () => {
    const node = await startTestNode({
      DATABASE_URL: cluster.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: uniquePrefix("metrics"),
      NODE_ID: "node-metrics",
      METRICS_PORT: "0",
    });
    try {
      expect(node.metricsPort).toBeGreaterThan(0);
      expect(node.metricsPort).not.toBe(node.port);
      expect((await fetch(`${node.url}/metrics`)).status).toBe(404);
      const scraped = await scrape(`http://127.0.0.1:${node.metricsPort}`);
      expect(sampleValue(scraped.samples, "orgwire_sockets")).toBe(0);
      expect(sampleValue(scraped.samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
      // Nothing else lives on the metrics port.
      expect((await fetch(`http://127.0.0.1:${node.metricsPort}/healthz`)).status).toBe(404);
    } finally {
      await node.close();
    }
  });

  it("is validated: a port number, or unset", () => {
    expect(() => loadConfig({ METRICS_PORT: "nope" })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: "70000" })).toThrow("invalid METRICS_PORT");
    expect(loadConfig({ METRICS_PORT: "9464" }).METRICS_PORT).toBe(9464);
    expect(loadConfig({ METRICS_PORT: "" }).METRICS_PORT).toBeUndefined();
  });
});
