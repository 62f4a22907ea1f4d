import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_CSV_COLUMNS, type OrgEvent } from "../client-sdk/src/contract/index.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { ROOT } from "./support/nodes.js";
import { useCluster } from "./support/suite.js";

// The built binary (`npm run build` first), run the way npm's bin shim runs it.
const CLI = join(ROOT, "client-sdk/dist/cli/main.js");

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;
/** Over the network, so audit entries carry a real context. */
const http = () => ({ url: node().url });

let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orgwire-cli-"));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Complete stdout lines so far. */
  lines(): string[];
  exited: Promise<number | null>;
  /** Polls until `cond` holds; fails with the output if the process exits or time runs out. */
  until(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

interface RunOptions {
  token?: string;
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed. */
  input?: string;
}

function start(args: string[], options: RunOptions = {}): Cli {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    ORGWIRE_URL: node().url,
    // No config file unless a test names one.
    ORGWIRE_CONFIG: join(dir, "absent.json"),
    ORGWIRE_TOKEN: options.token,
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  child.stdin?.end(options.input ?? "");
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const cli: Cli = {
    child,
    stdout: () => out,
    stderr: () => err,
    lines: () => out.split("\n").slice(0, -1),
    exited,
    async until(cond, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        const state = `\nstdout: ${out}\nstderr: ${err}`;
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${what}${state}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${state}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  return cli;
}

async function run(args: string[], options: RunOptions = {}) {
  const cli = start(args, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

const jsonLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

async function ownerWithOrg(name = "Acme") {
  const owner = await signup(http(), "owner");
  const org = await createOrg(http(), owner.token, name);
  return { owner, org };
}

describe("orgwire CLI: command line", () => {
  it("--help lists every command and exits 0; each command has its own help", async () => {
    const root = await run(["--help"]);
    expect(root.code).toBe(0);
    for (const command of ["login", "orgs", "members", "events tail", "audit tail", "audit export", "audit verify"]) {
      expect(root.stdout).toContain(command);
    }
    const exp = await run(["audit", "export", "-h"]);
    expect(exp.code).toBe(0);
    expect(exp.stdout).toContain("--format csv|ndjson");
    expect((await run(["audit", "--help"])).stdout).toContain("audit verify");
  });

  it("an unknown command or a bad flag is a message on stderr and exit 2", async () => {
    const unknown = await run(["frobnicate"]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const flag = await run(["orgs", "--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    const missing = await run(["members"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing --org");
    expect((await run(["audit", "tail", "--org", "x", "--action", "not an action"])).code).toBe(2);
  });

  it("an unknown token exits 1 with unauthenticated, over HTTP and over the socket", async () => {
    const { org } = await ownerWithOrg();
    const orgs = await run(["orgs", "--token", "ow_unknown"]);
    expect(orgs.code).toBe(1);
    expect(orgs.stderr).toMatch(/^error: unauthenticated: /m);
    const tail = await run(["events", "tail", "--org", org.id], { token: "nope" });
    expect(tail.code).toBe(1);
    expect(tail.stderr).toMatch(/^error: unauthenticated: /m);
  });
});

describe("orgwire CLI: login and lists", () => {
  it("login reads the password from stdin and writes a 0600 config file that later commands use", async () => {
    const { owner, org } = await ownerWithOrg("Logged In");
    const config = join(dir, "login", "config.json");
    const login = await run(["login", "--email", owner.email], {
      input: "correct horse battery\n",
      env: { ORGWIRE_CONFIG: config },
    });
    expect(login.code, login.stderr).toBe(0);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(config, "utf8"));
    expect(saved).toMatchObject({ url: node().url, email: owner.email, token: expect.any(String) });

    // No ORGWIRE_URL, no token: both come from the config file.
    const orgs = await run(["orgs", "--json"], { env: { ORGWIRE_CONFIG: config, ORGWIRE_URL: undefined } });
    expect(orgs.code, orgs.stderr).toBe(0);
    expect(jsonLines(orgs.stdout)).toEqual([expect.objectContaining({ id: org.id, name: "Logged In", role: "owner" })]);

    const logout = await run(["logout"], { env: { ORGWIRE_CONFIG: config } });
    expect(logout.code, logout.stderr).toBe(0);
    expect(JSON.parse(await readFile(config, "utf8")).token).toBeUndefined();
    expect((await call(http(), "GET", "/v1/me", { token: saved.token })).status).toBe(401);
  });

  it("a wrong password exits 1 and writes nothing", async () => {
    const { owner } = await ownerWithOrg();
    const config = join(dir, "wrong", "config.json");
    const login = await run(["login", "--email", owner.email], {
      env: { ORGWIRE_CONFIG: config, ORGWIRE_PASSWORD: "not the password" },
    });
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/^error: unauthenticated: /m);
    expect(existsSync(config)).toBe(false);
  });

  it("orgs --json and members --json print one parseable object per line; human output is a plain table", async () => {
    const { owner, org } = await ownerWithOrg("One");
    const second = await createOrg(http(), owner.token, "Two");
    const bob = await signup(http(), "bob");
    await addMember(node().db, org.id, bob.user.id, "viewer");

    const orgs = await run(["orgs", "--json"], { token: owner.token });
    expect(orgs.code, orgs.stderr).toBe(0);
    const items = jsonLines(orgs.stdout);
    expect(items.map((o) => o.id).sort()).toEqual([org.id, second.id].sort());
    for (const o of items) expect(o).toMatchObject({ name: expect.any(String), role: "owner" });

    const members = await run(["members", "--org", org.id, "--json"], { token: owner.token });
    expect(members.code, members.stderr).toBe(0);
    const roles = Object.fromEntries(jsonLines(members.stdout).map((m) => [m.userId, m.role]));
    expect(roles).toEqual({ [owner.user.id]: "owner", [bob.user.id]: "viewer" });

    const human = await run(["orgs"], { token: owner.token });
    expect(human.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ROLE$/);
    expect(human.stdout).toContain(second.id);
    expect(human.stdout).not.toContain("\u001b["); // not a terminal: no colors
  });
});

describe("orgwire CLI: live tails", () => {
  it("audit tail --json prints entries as they commit, with context and hash; SIGINT exits 0", async () => {
    const { owner, org } = await ownerWithOrg();
    const cli = start(["audit", "tail", "--org", org.id, "--json"], { token: owner.token });
    await cli.until(() => cli.stderr().includes("live:"), "the subscription to be live");
    expect(cli.stdout()).toBe("");

    const project = await call(http(), "POST", `/v1/orgs/${org.id}/projects`, {
      token: owner.token,
      body: { name: "P" },
    });
    await call(http(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "Renamed" } });
    await call(http(), "PUT", `/v1/orgs/${org.id}/billing`, {
      token: owner.token,
      body: { contactEmail: "b@example.com" },
    });
    await cli.until(() => cli.lines().length >= 3, "three entries");

    const entries = cli.lines().map((l) => JSON.parse(l) as OrgEvent);
    expect(entries.map((e) => [e.seq, e.type])).toEqual([
      [2, "project.created"],
      [3, "org.updated"],
      [4, "billing.updated"],
    ]);
    expect(entries[0]).toMatchObject({ orgId: org.id, target: { type: "project", id: project.body.id } });
    for (const e of entries) {
      expect(e.actor).toMatchObject({ type: "user", id: owner.user.id });
      expect(e.context).toEqual({
        ip: expect.any(String),
        userAgent: expect.any(String),
        requestId: expect.any(String),
      });
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    }

    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
  });

  it("audit tail --action org.* and --actor filter client-side", async () => {
    const { owner, org } = await ownerWithOrg();
    const key = (
      await call(http(), "POST", `/v1/orgs/${org.id}/api-keys`, {
        token: owner.token,
        body: { name: "ops", role: "editor" },
      })
    ).body;
    const byAction = start(["audit", "tail", "--org", org.id, "--action", "org.*", "--json"], { token: owner.token });
    const byActor = start(["audit", "tail", "--org", org.id, "--actor", key.apiKey.id, "--json"], {
      token: owner.token,
    });
    for (const cli of [byAction, byActor]) await cli.until(() => cli.stderr().includes("live:"), "live");

    const rename = (name: string) =>
      call(http(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name } });
    await rename("A");
    const project = await call(http(), "POST", `/v1/orgs/${org.id}/projects`, {
      token: key.secret,
      body: { name: "P" },
    });
    await rename("B");
    await call(http(), "PATCH", `/v1/orgs/${org.id}/projects/${project.body.id}`, {
      token: key.secret,
      body: { name: "Q" },
    });
    await rename("C");

    // Each tail's last match is the last mutation it should print, so nothing else can follow.
    await byAction.until(() => byAction.lines().length >= 3, "three org.updated");
    expect(byAction.lines().map((l) => JSON.parse(l).type)).toEqual(["org.updated", "org.updated", "org.updated"]);
    await byActor.until(() => byActor.lines().length >= 2, "the key's two entries");
    await new Promise((r) => setTimeout(r, 200)); // "C" is owner's: it must not show up
    const keyEntries = byActor.lines().map((l) => JSON.parse(l));
    expect(keyEntries.map((e) => e.type)).toEqual(["project.created", "project.updated"]);
    for (const e of keyEntries) expect(e.actor).toEqual({ type: "api_key", id: key.apiKey.id });
    for (const cli of [byAction, byActor]) cli.child.kill("SIGINT");
  });

  it("audit tail refuses a caller without audit access", async () => {
    const { org } = await ownerWithOrg();
    const bob = await signup(http(), "bob");
    await addMember(node().db, org.id, bob.user.id, "editor");
    const tail = await run(["audit", "tail", "--org", org.id], { token: bob.token });
    expect(tail.code).toBe(1);
    expect(tail.stderr).toMatch(/^error: forbidden: /m);
  });

  it("a removed member's events tail prints human lines, then exits 0 with the reason", async () => {
    const { owner, org } = await ownerWithOrg();
    const bob = await signup(http(), "bob");
    await addMember(node().db, org.id, bob.user.id, "viewer");
    const cli = start(["events", "tail", "--org", org.id, "--since", "0"], { token: bob.token });
    await cli.until(() => cli.stderr().includes("live:"), "live");
    // The replay from 0: org.created.
    expect(cli.lines()).toEqual([
      expect.stringMatching(/^\s+1 {2}\S+Z {2}org\.created\s+owner-\S+@example\.com {2}org:/),
    ]);

    await call(http(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } });
    await cli.until(() => cli.lines().length >= 2, "project.created");
    expect(cli.lines()[1]).toMatch(/^\s+2 {2}\S+Z {2}project\.created\s+owner-\S+ {2}project:[0-9a-f-]{36}$/);

    const removed = await call(http(), "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, { token: owner.token });
    expect(removed.status).toBe(204);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain("revoked: member_removed");
    expect(cli.lines()).toHaveLength(2);
  });
});

describe("orgwire CLI: audit export and verify", () => {
  it("exports CSV and NDJSON files that parse, with a summary on stderr", async () => {
    const { owner, org } = await ownerWithOrg();
    for (const name of ["P1", "P2", "P3"]) {
      await call(http(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name } });
    }
    const csvFile = join(dir, "audit.csv");
    const csv = await run(["audit", "export", "--org", org.id, "--format", "csv", "--out", csvFile], {
      token: owner.token,
    });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe("");
    expect(csv.stderr).toContain(`exported 4 rows`);
    const rows = parseCsv(await readFile(csvFile, "utf8"), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows.map((r) => [r.seq, r.type])).toEqual([
      ["1", "org.created"],
      ["2", "project.created"],
      ["3", "project.created"],
      ["4", "project.created"],
    ]);
    expect(JSON.parse(rows[1]!.data!)).toEqual({ name: "P1" });

    // The CSV export is itself an entry now (seq 5).
    const ndjsonFile = join(dir, "audit.ndjson");
    const ndjson = await run(
      ["audit", "export", "--org", org.id, "--format", "ndjson", "--out", ndjsonFile, "--json"],
      {
        token: owner.token,
      },
    );
    expect(ndjson.code, ndjson.stderr).toBe(0);
    expect(ndjson.stderr).toContain("exported 5 rows");
    expect(jsonLines(ndjson.stdout)).toEqual([
      expect.objectContaining({ file: ndjsonFile, format: "ndjson", rows: 5, bytes: expect.any(Number) }),
    ]);
    const entries = jsonLines(await readFile(ndjsonFile, "utf8"));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[4]).toMatchObject({
      type: "audit.exported",
      data: { format: "csv", count: 4 },
      hash: expect.any(String),
    });

    const filtered = await run(
      ["audit", "export", "--org", org.id, "--format", "ndjson", "--out", ndjsonFile, "--action", "audit.*"],
      { token: owner.token },
    );
    expect(filtered.code, filtered.stderr).toBe(0);
    expect(jsonLines(await readFile(ndjsonFile, "utf8")).map((e) => e.type)).toEqual([
      "audit.exported",
      "audit.exported",
    ]);
  });

  it("a refused export exits 1 and leaves no file", async () => {
    const { org } = await ownerWithOrg();
    const bob = await signup(http(), "bob");
    await addMember(node().db, org.id, bob.user.id, "viewer");
    const file = join(dir, "refused.csv");
    const res = await run(["audit", "export", "--org", org.id, "--format", "csv", "--out", file], { token: bob.token });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: forbidden: /m);
    expect(existsSync(file)).toBe(false);
  });

  it("audit verify exits 0 with ok", async () => {
    const { owner, org } = await ownerWithOrg();
    await call(http(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } });
    const human = await run(["audit", "verify", "--org", org.id], { token: owner.token });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ok: hash chain intact, 2 entries checked$/m);
    const json = await run(["audit", "verify", "--org", org.id, "--json"], { token: owner.token });
    expect(jsonLines(json.stdout)).toEqual([{ ok: true, checked: 2 }]);
  });
});
