import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, startTestNode } from "./support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";

const run = promisify(execFile);

/**
 * The production shape, checked by tools we did not write: Debian's `docker-compose` (1.29, which
 * `.ci/run` installs when missing) validates the compose file; the Grafana dashboard is JSON that
 * names only metrics the nodes export. No Docker engine is needed.
 */
describe("deployment files", () => {
  it("docker-compose config -q accepts the compose file: Postgres, Redis, two nodes, the LB and Prometheus", async () => {
    await run("docker-compose", ["config", "-q"], { cwd: ROOT });
    const { stdout } = await run("docker-compose", ["config", "--services"], { cwd: ROOT });
    expect(stdout.trim().split("\n").sort()).toEqual(["lb", "node1", "node2", "postgres", "prometheus", "redis"]);
    const prometheus = await readFile(`${ROOT}deploy/prometheus.yml`, "utf8");
    expect(prometheus).toContain("node1:9464");
    expect(prometheus).toContain("node2:9464");
  });

  it("the Grafana dashboard is valid JSON whose queries name orgwire metrics", async () => {
    const dashboard = JSON.parse(await readFile(`${ROOT}deploy/grafana-dashboard.json`, "utf8"));
    const exprs: string[] = JSON.stringify(dashboard).match(/orgwire_[a-z_]+/g) ?? [];
    // Every name it queries is one the nodes define (histograms add _bucket, _count and _sum).
    const defined = await readFile(`${ROOT}server/metrics/metrics.ts`, "utf8");
    for (const expr of exprs) expect(defined, expr).toContain(`"${expr.replace(/_(bucket|count|sum)$/, "")}"`);
    for (const name of [
      "orgwire_sockets",
      "orgwire_events_appended_total",
      "orgwire_delivery_lag_seconds",
      "orgwire_revocation_ack_seconds",
      "orgwire_http_request_duration_seconds",
    ]) {
      expect(
        exprs.some((e) => e.startsWith(name)),
        name,
      ).toBe(true);
    }
  });

  it("nginx closes an idle pooled connection before the node would", async () => {
    // Closed by the node first, a pooled connection can take a request in the moment it closes.
    const conf = await readFile(`${ROOT}deploy/nginx.conf`, "utf8");
    const upstream = conf.slice(conf.indexOf("upstream orgwire"), conf.indexOf("}", conf.indexOf("upstream orgwire")));
    expect(upstream).toMatch(/keepalive \d+;/);
    const nginxSeconds = Number(upstream.match(/keepalive_timeout (\d+)s;/)?.[1]);
    const database = await createTestDatabase();
    const node = await startTestNode({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: uniquePrefix() });
    try {
      expect(nginxSeconds).toBeGreaterThan(0);
      expect(node.server.keepAliveTimeout).toBeGreaterThan(nginxSeconds * 1000);
    } finally {
      await node.close();
      await database.drop();
    }
  });
});
