/**
 * `orgwire webhooks list|create|deliveries` through the built binary (`npm run build` first),
 * against a real node and a real HTTP receiver on 127.0.0.1, in human and --json output.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg, signup } from "./support/api.js";
import { ROOT } from "./support/nodes.js";
import { useCluster } from "./support/suite.js";

const CLI = join(ROOT, "client-sdk/dist/cli/main.js");

// Private addresses allowed (the receiver is local); fast outbound polling.
const cluster = useCluster(1, { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE_MS: "50", OUTBOUND_POLL_MS: "100" });
const node = () => cluster.nodes[0]!;

let dir: string;
let receiverUrl: string;
let received = 0;
let closeReceiver: () => Promise<void>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orgwire-cli-webhooks-"));
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(200).end();
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
  receiverUrl = `http://127.0.0.1:${port}/hook`;
  closeReceiver = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
});

afterAll(async () => {
  await closeReceiver?.();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI to its end, the way test/cli.test.ts does (no config file, token from the environment). */
function run(args: string[], token?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    ORGWIRE_URL: node().url,
    ORGWIRE_CONFIG: join(dir, "absent.json"),
    ...(token ? { ORGWIRE_TOKEN: token } : {}),
  };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const jsonLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("orgwire webhooks", () => {
  it("help lists the three commands; bad --events is a usage error before any request", async () => {
    const help = await run(["--help"]);
    for (const command of ["webhooks list", "webhooks create", "webhooks deliveries"])
      expect(help.stdout).toContain(command);
    const group = await run(["webhooks", "--help"]);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain("webhooks deliveries");
    const create = await run(["webhooks", "create", "--help"]);
    expect(create.stdout).toContain("--events LIST");
    const bad = await run([
      "webhooks",
      "create",
      "--org",
      "x",
      "--endpoint",
      receiverUrl,
      "--events",
      "member.*,membr.joined",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'membr.joined' is not");
    expect((await run(["webhooks", "create", "--org", "x", "--endpoint", receiverUrl])).stderr).toContain(
      "missing --events",
    );
  });

  it("create prints the secret once; list and deliveries show the endpoint and its attempts", async () => {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token, "Acme");

    const created = await run(
      [
        "webhooks",
        "create",
        "--org",
        org.id,
        "--endpoint",
        receiverUrl,
        "--events",
        "project.*,resource.created",
        "--description",
        "ci",
      ],
      owner.token,
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const secret = /whsec_\S+/.exec(created.stdout)?.[0];
    expect(secret).toBeDefined();
    expect(created.stdout).toContain("shown only this once");
    expect(created.stdout.split(secret!).length).toBe(2);
    const webhookId = /webhook ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(webhookId).toBeDefined();

    const list = await run(["webhooks", "list", "--org", org.id], owner.token);
    expect(list.code).toBe(0);
    const [header, row] = list.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+URL\s+EVENTS\s+DELIVERED\s+STATE$/);
    expect(row).toContain(webhookId!);
    expect(row).toContain("project.*,resource.created");
    expect(row).toMatch(/enabled$/);
    // The secret is never shown again.
    expect(list.stdout).not.toContain("whsec_");

    const listJson = jsonLines((await run(["webhooks", "list", "--org", org.id, "--json"], owner.token)).stdout);
    expect(listJson).toMatchObject([{ id: webhookId, url: receiverUrl, enabled: true, description: "ci" }]);

    // Two matching events reach the receiver; deliveries lists them newest first.
    const res = await fetch(`${node().url}/v1/orgs/${org.id}/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Prod" }),
    });
    expect(res.status).toBe(201);
    const project = (await res.json()) as { id: string };
    await fetch(`${node().url}/v1/orgs/${org.id}/projects/${project.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Production" }),
    });
    await until(() => received >= 2, "two deliveries");

    let deliveries: { eventType: string; status: string; responseCode: number | null }[] = [];
    await until(async () => {
      const out = await run(
        ["webhooks", "deliveries", "--org", org.id, "--webhook", webhookId!, "--json"],
        owner.token,
      );
      deliveries = jsonLines(out.stdout);
      return deliveries.length >= 2;
    }, "two recorded deliveries");
    expect(deliveries.map((d) => d.eventType)).toEqual(["project.updated", "project.created"]);
    expect(deliveries.every((d) => d.status === "succeeded" && d.responseCode === 200)).toBe(true);

    const one = await run(
      ["webhooks", "deliveries", "--org", org.id, "--webhook", webhookId!, "--limit", "1"],
      owner.token,
    );
    expect(one.code).toBe(0);
    const lines = one.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ATTEMPTED\s+SEQ\s+TYPE\s+TRY\s+STATUS\s+CODE\s+MS\s+ERROR$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/project\.updated\s+1\s+succeeded\s+200/);

    const created2 = jsonLines(
      (
        await run(
          ["webhooks", "create", "--org", org.id, "--endpoint", receiverUrl, "--events", "*", "--json"],
          owner.token,
        )
      ).stdout,
    );
    expect(created2).toHaveLength(1);
    expect(created2[0].secret).toMatch(/^whsec_/);
    expect(created2[0].webhook.events).toEqual(["*"]);
  });

  it("API errors exit 1 with the code: a viewer is forbidden", async () => {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token, "Acme");
    const key = await fetch(`${node().url}/v1/orgs/${org.id}/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "ro", role: "viewer" }),
    }).then((r) => r.json() as Promise<{ secret: string }>);
    const denied = await run(["webhooks", "list", "--org", org.id], key.secret);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("forbidden");
    const limit = await run(["webhooks", "deliveries", "--org", org.id, "--webhook", "x", "--limit", "0"], owner.token);
    expect(limit.code).toBe(2);
  });
});
