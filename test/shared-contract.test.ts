/**
 * The server and the SDK share one contract: the zod schemas in client-sdk/src/contract. This
 * pins that down from both ends: (1) the SDK bundles for browsers without any Node built-in;
 * (2) changing one event's shape in that one place breaks the typecheck of server code and of SDK
 * code alike (checked with the TypeScript compiler on an in-memory edit of the contract).
 */
import { builtinModules } from "node:module";
import { resolve } from "node:path";
import ts from "typescript";
import { build } from "vite";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/nodes.js";

describe("the shared contract", () => {
  it("bundles the SDK for the browser without Node built-ins", async () => {
    const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const refused: string[] = [];
    const output = await build({
      configFile: false,
      logLevel: "silent",
      root: ROOT,
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
      build: {
        write: false,
        minify: false,
        lib: { entry: resolve(ROOT, "client-sdk/src/index.ts"), formats: ["es"], fileName: "orgwire" },
      },
    });
    expect(refused).toEqual([]);
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ("output" in o ? o.output : []));
    const code = chunks.map((c) => ("code" in c ? c.code : "")).join("\n");
    expect(code).toContain("OrgwireClient");
    expect(code).not.toContain("__vite-browser-external");
  });

  it("breaks the typecheck of both the server and the SDK when an event's shape changes", () => {
    const configPath = resolve(ROOT, "tsconfig.json");
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, ROOT);
    const eventsPath = resolve(ROOT, "client-sdk/src/contract/events.ts");
    const original = ts.sys.readFile(eventsPath) ?? "";
    const edited = original.replace('reason: z.enum(["removed", "left"])', 'why: z.enum(["removed", "left"])');
    expect(edited).not.toBe(original);

    const host = ts.createCompilerHost(parsed.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => (resolve(file) === eventsPath ? edited : readFile(file));
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
    const files = new Set(
      ts
        .getPreEmitDiagnostics(program)
        .flatMap((d) => (d.file ? [d.file.fileName.slice(ROOT.length)] : []))
        .filter((f) => !f.endsWith("contract/events.ts")),
    );
    const serverFiles = [...files].filter((f) => f.startsWith("server/"));
    const sdkFiles = [...files].filter((f) => f.startsWith("client-sdk/"));
    expect(serverFiles, [...files].join(", ")).toEqual(
      expect.arrayContaining(["server/members/members.service.ts", "server/realtime/access-effects.ts"]),
    );
    expect(sdkFiles).toContain("client-sdk/src/describe.ts");
  });
});
