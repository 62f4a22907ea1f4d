/**
 * The README's "A tour of the API" runs as written: its shell blocks, pasted into bash against a
 * node started the way it says (`npm start`, log to orgwire.log), do what their comments say,
 * the live tail included.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "./support/nodes.js";
import { run } from "./support/openapi.js";
import { createTestDatabase } from "./support/services.js";

let dir: string;
let url: string;
let child: ChildProcess;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  dir = await mkdtemp(join(tmpdir(), "orgwire-tour-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // `npx orgwire` finds the repository's bin from here, as it would in the clone.
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const log = await open(join(dir, "orgwire.log"), "w");
  child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "server/main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: database.url },
    stdio: ["ignore", log.fd, log.fd],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  cleanups.push(async () => {
    child.kill("SIGTERM");
    await exited;
    await log.close();
  });
  const deadline = Date.now() + 45_000;
  for (;;) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`node not ready: ${await readFile(join(dir, "orgwire.log"), "utf8")}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The ```sh blocks of the README's tour section, in order. */
async function tourBlocks(): Promise<string[]> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## A tour of the API\n");
  const end = readme.indexOf("\n## ", start + 1);
  expect(start).toBeGreaterThan(0);
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

describe("the README's tour of the API", () => {
  it("runs as written, from sign-up to a live tail", async () => {
    const [startNode, tour, tail] = await tourBlocks();
    expect(startNode).toContain("tee orgwire.log");
    expect(tour).toContain("API=http://localhost:3000");
    expect(tail).toContain("npx orgwire events tail");
    const script = [
      // Job control: the tail runs in its own process group, so the kill below ends npx and the
      // CLI under it too, not only the subshell (which would leave the CLI running after the test).
      "set -meo pipefail",
      tour?.replace("API=http://localhost:3000", `API=${url}`),
      // The tail runs until Ctrl-C: here until the resource of step 6 has been printed.
      `(${tail?.trim().replace("npx orgwire", "npx --no-install orgwire")}) > tail.out 2>&1 &`,
      "TAIL=$!",
      "for i in $(seq 1 150); do grep -q resource.created tail.out && break; sleep 0.2; done",
      'kill -- -"$TAIL"',
      "echo; echo '--- tail'; cat tail.out",
    ].join("\n");
    const out = await run("bash", ["-c", script], { cwd: dir, timeoutMs: 90_000 });
    expect(out.stderr, out.stdout).toBe("");
    expect(out.code, out.stdout).toBe(0);
    const [steps = "", tailed = ""] = out.stdout.split("--- tail");
    // 3, 4: the invitation, its preview and its acceptance.
    expect(steps).toContain('"email":"bob@example.com","role":"editor"');
    expect(steps).toMatch(/"orgId":"[0-9a-f-]{36}","role":"editor"/);
    // 5: the new role; 6: the resource; 7: the audit lines and the chain; 8: the key at work.
    expect(steps).toContain('"role":"viewer"');
    expect(steps).toContain('"type":"vps"');
    expect(steps).toContain('"member.role_changed","ann@example.com"]');
    expect(steps).toMatch(/"ok":true/);
    expect(steps).toContain('["Production"]');
    // 9: the replay from seq 0, in order.
    const types = [...tailed.matchAll(/^\s*(\d+)\s+\S+\s+(\S+)/gm)].map((m) => m[2]);
    expect(types).toEqual(expect.arrayContaining(["org.created", "member.joined", "resource.created"]));
    expect(types.indexOf("org.created")).toBe(0);
  }, 120_000);
});
