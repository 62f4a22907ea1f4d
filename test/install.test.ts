/**
 * A newcomer's install, for real: a copy of the repository as a clone has it (no node_modules, no
 * dist), one `npm ci`, and `npx orgwire --help` works (the bin is a committed file, so npm links it
 * before the build; client-sdk/bin/orgwire.js). Then the SDK as a package: `npm pack -w
 * @orgwire/client` builds it on its own, and the tarball installs in an empty folder, where Node
 * imports it, its CLI runs, TypeScript finds its types and Vite bundles it for the browser.
 *
 * npm reads packages from its cache first (`--prefer-offline`); CI's own `npm ci` fills it.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/nodes.js";
import { run } from "./support/openapi.js";

const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund"];
let work: string;
const clone = () => join(work, "clone");
const consumer = () => join(work, "consumer");

/** What a clone of the working tree holds: tracked and new files, never ignored ones. */
async function copyAsCloned(to: string) {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT })
    .toString()
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    const from = join(ROOT, file);
    const info = await stat(from).catch(() => undefined); // deleted in the working tree
    if (!info?.isFile()) continue;
    await mkdir(dirname(join(to, file)), { recursive: true });
    await copyFile(from, join(to, file));
    if (info.mode & 0o111) execFileSync("chmod", ["+x", join(to, file)]);
  }
}

async function npm(cwd: string, args: string[], timeoutMs = 300_000) {
  const out = await run("npm", args, { cwd, timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
  if (out.code !== 0) throw new Error(`npm ${args.join(" ")} failed (${out.code}):\n${out.stderr}\n${out.stdout}`);
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "orgwire-install-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("installing Orgwire and its SDK", () => {
  let tarball = "";

  it("one `npm ci` in a fresh clone is enough for `npx orgwire --help`, with no engine warning", async () => {
    await copyAsCloned(clone());
    expect(await readdir(clone())).not.toContain("node_modules");
    // --engine-strict: a dependency that does not support this Node fails the install.
    const install = await npm(clone(), ["ci", "--engine-strict", ...NPM_FLAGS]);
    expect(install.stderr).not.toMatch(/EBADENGINE/);
    const help = await run("npx", ["--no-install", "orgwire", "--help"], { cwd: clone() });
    expect(help.stderr).toBe("");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orgwire <command>/m);
  }, 600_000);

  it("`npm pack -w @orgwire/client` builds the SDK on its own into a tarball", async () => {
    await rm(join(clone(), "client-sdk/dist"), { recursive: true, force: true });
    const packed = await npm(clone(), ["pack", "-w", "@orgwire/client", "--pack-destination", work, "--json"]);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error(`npm pack printed nothing: ${packed.stdout}`);
    tarball = join(work, info.filename);
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "bin/orgwire.js",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/contract/index.js",
        "dist/cli/main.js",
      ]),
    );
    expect(files.filter((f) => f.startsWith("src/") || f.includes("tsconfig"))).toEqual([]);
  }, 300_000);

  it("installs from the tarball in an empty folder, where Node imports it and its CLI runs", async () => {
    expect(tarball).not.toBe("");
    await mkdir(consumer(), { recursive: true });
    await writeFile(
      join(consumer(), "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await npm(consumer(), ["install", tarball, ...NPM_FLAGS]);
    const script = [
      'import { OrgwireClient, OrgwireError } from "@orgwire/client";',
      'import { orgRole } from "@orgwire/client/contract";',
      'const client = new OrgwireClient({ url: "http://127.0.0.1:9" });',
      "const refused = await client.orgs.list().catch((e) => e);",
      "console.log(JSON.stringify({ roles: orgRole.options, network: refused instanceof OrgwireError && refused.code }));",
    ].join("\n");
    const imported = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: consumer() });
    expect(imported.stderr).toBe("");
    expect(JSON.parse(imported.stdout)).toEqual({ roles: ["owner", "editor", "viewer", "guest"], network: "network" });
    const help = await run("npx", ["--no-install", "orgwire", "--help"], { cwd: consumer() });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orgwire <command>/m);
  }, 300_000);

  it("gives TypeScript its types", async () => {
    await writeFile(
      join(consumer(), "check.ts"),
      [
        'import { OrgwireClient, type Org } from "@orgwire/client";',
        'import type { OrgEvent } from "@orgwire/client";',
        'const client = new OrgwireClient({ url: "http://localhost:3000" });',
        "export const orgs: Promise<{ items: Org[] }> = client.orgs.list();",
        'export const seq = (e: OrgEvent): number => (e.type === "member.removed" ? e.seq : 0);',
      ].join("\n"),
    );
    // A consumer without @types/node: the public types must not need Node's.
    await writeFile(
      join(consumer(), "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          types: [],
        },
        files: ["check.ts"],
      }),
    );
    const tsc = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], {
      cwd: consumer(),
    });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
  }, 120_000);

  it("bundles for the browser with Vite, without Node built-ins", async () => {
    await writeFile(
      join(consumer(), "index.html"),
      '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>',
    );
    await writeFile(
      join(consumer(), "main.js"),
      [
        'import { OrgwireClient } from "@orgwire/client";',
        'const client = new OrgwireClient({ url: location.origin, token: "t" });',
        'client.subscribe("00000000-0000-0000-0000-000000000000", { onEvent: (e) => console.log(e.seq) });',
      ].join("\n"),
    );
    const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const refused: string[] = [];
    const output = await build({
      configFile: false,
      logLevel: "silent",
      root: consumer(),
      plugins: [
        {
          name: "refuse-node-builtins",
          enforce: "pre",
          resolveId(id) {
            if (nodeBuiltins.has(id)) refused.push(id);
            return null;
          },
        },
      ],
      build: { write: false, minify: false },
    });
    expect(refused).toEqual([]);
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ("output" in o ? o.output : []));
    const code = chunks.map((c) => ("code" in c ? c.code : "")).join("\n");
    expect(code).toContain("/orgs/"); // the SDK's namespaces made it into the bundle
    expect(code).not.toContain("__vite-browser-external");
  }, 120_000);
});
