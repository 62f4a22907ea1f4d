/**
 * The compiled server, as the Docker image runs it: `node dist/server/main.js`, no tsx, no loader.
 * `npm test` builds first (`pretest` → `npm run build`, whose last step is `tsc -p tsconfig.build.json`);
 * this file only runs what is there. Node 20 has no type stripping, so a node that starts and serves
 * this smoke path loaded nothing but the emitted .js: the server, its migrations and the shared contract.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgEvent, ReadyPayload } from "../client-sdk/src/contract/index.js";
import { call, createOrg, signup } from "./support/api.js";
import { freePort, ROOT } from "./support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";

const MAIN = join(ROOT, "dist/server/main.js");

interface CompiledNode {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * support/nodes.ts's spawnNode, but for the compiled entry point. The environment is built from
 * scratch, so no NODE_OPTIONS (vitest's or anyone's) can lend the child a TypeScript loader.
 */
async function spawnCompiled(env: Record<string, string>, cwd = ROOT): Promise<CompiledNode> {
  const port = String(await freePort());
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const node: CompiledNode = {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  cleanups.push(() => node.stop());
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`compiled node exited early (${child.exitCode}): ${out}`);
    const status = await fetch(`${node.url}/readyz`).then(
      (res) => res.status,
      () => 0, // not listening yet
    );
    if (status === 200) return node;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`compiled node not ready after 45 s: ${out}`);
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

const sourceMigrations = () => readdirSync(join(ROOT, "migrations")).filter((f) => f.endsWith(".ts"));

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
});

describe("the build output", () => {
  it("keeps the source tree's shape and needs nothing from tsx", () => {
    const dist = join(ROOT, "dist");
    const files = filesUnder(dist);
    expect(files).toEqual(
      expect.arrayContaining([
        "server/main.js",
        "server/db/migrate.js",
        "client-sdk/src/contract/index.js",
        ...sourceMigrations().map((f) => `migrations/${f.replace(/\.ts$/, ".js")}`),
      ]),
    );
    // Sources and tests stay out: only emitted JavaScript (and its source maps) ships.
    expect(files.filter((f) => !/\.js(\.map)?$/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.js$/.test(f))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith(".js"))) {
      const code = readFileSync(join(dist, file), "utf8");
      expect(code, file).not.toMatch(/from\s*["']tsx(\/[^"']*)?["']|import\(\s*["']tsx/);
      // A relative import left as ".ts" would need a loader at runtime.
      expect(code, file).not.toMatch(/from\s*["']\.{1,2}\/[^"']*\.ts["']/);
    }
  });
});

describe("node dist/server/main.js on Postgres and Redis", () => {
  let node: CompiledNode;
  let dbUrl: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dbUrl = db.url;
    const dataDir = mkdtempSync(join(tmpdir(), "orgwire-compiled-"));
    // Registered before the node's own cleanup, so they run after it: the node lets go of both first.
    cleanups.push(
      () => db.drop(),
      () => rmSync(dataDir, { recursive: true, force: true }),
    );
    node = await spawnCompiled({
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: uniquePrefix("compiled"),
      DATA_DIR: dataDir,
    });
  });

  it("ran every migration, from the compiled files", async () => {
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>("select name from kysely_migration order by name");
      expect(rows.map((r) => r.name)).toEqual(
        sourceMigrations()
          .map((f) => f.replace(/\.ts$/, ""))
          .sort(),
      );
    } finally {
      await client.end();
    }
  });

  it("serves the API, the event log, the console and live events", async () => {
    const owner = await signup(node, "compiled");
    const org = await createOrg(node, owner.token, "Compiled");
    const patched = await call(node, "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { name: "Compiled 2" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: org.id, name: "Compiled 2" });

    const events = await call(node, "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: OrgEvent) => [e.seq, e.type])).toEqual([
      [1, "org.created"],
      [2, "org.updated"],
    ]);

    // console/dist is not under dist/: the compiled console.js must still find it at the repository root.
    const page = await fetch(`${node.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<title>Orgwire console</title>");
    expect(html).not.toContain("The console is not built");

    const socket: Socket = io(`${node.url}/orgs/${org.id}`, {
      auth: { token: owner.token },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    cleanups.push(() => socket.close());
    const live = new Promise<OrgEvent>((resolve) => socket.once("event", resolve));
    const ready = await new Promise<ReadyPayload>((resolve, reject) => {
      socket.once("ready", resolve);
      socket.once("connect_error", reject);
    });
    expect(ready).toMatchObject({ orgId: org.id, role: "owner", seq: 2 });
    const again = await call(node, "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Compiled 3" } });
    expect(again.status).toBe(200);
    expect(await live).toMatchObject({ orgId: org.id, seq: 3, type: "org.updated" });
    socket.close();
  });
});

describe("node dist/server/main.js with no DATABASE_URL", () => {
  it("runs on embedded PGlite in DATA_DIR, migrations included", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "orgwire-compiled-embedded-")), "data");
    cleanups.push(() => rmSync(join(dataDir, ".."), { recursive: true, force: true }));
    const node = await spawnCompiled({ DATA_DIR: dataDir });
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    // Signing up writes to tables the migrations created.
    const owner = await signup(node, "embedded");
    const org = await createOrg(node, owner.token);
    const events = await call(node, "GET", `/v1/orgs/${org.id}/events`, { token: owner.token });
    expect(events.body.items.map((e: OrgEvent) => e.type)).toEqual(["org.created"]);
    await node.stop();
  });
});
