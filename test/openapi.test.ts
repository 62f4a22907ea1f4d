/**
 * /openapi.json is a product: third-party tools must accept it as it is. This lints the live
 * document with Redocly (redocly.yaml) and Spectral (.spectral.yaml) and requires no problem at
 * all, checks what generated clients and validators rely on (operation ids, tags, security,
 * declared errors, patterns a JSON Schema validator can use), and that docs/openapi.json and
 * docs/api.md are what `npm run docs:api` writes for the current routes. Prism's conformance run
 * is test/openapi-conformance.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiDocsFiles, type Document } from "../scripts/api-reference.js";
import { ROOT, startTestNode } from "./support/nodes.js";
import { type OpenApiDocument, operationsOf, run, TOOLS } from "./support/openapi.js";
import { createTestDatabase } from "./support/services.js";

let document: OpenApiDocument;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  const node = await startTestNode({ DATABASE_URL: database.url });
  cleanups.push(() => node.close());
  const res = await node.app.request("/openapi.json");
  expect(res.status).toBe(200);
  document = (await res.json()) as OpenApiDocument;
  dir = await mkdtemp(join(tmpdir(), "orgwire-openapi-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}
interface SpectralResult {
  code: string;
  severity: number;
  message: string;
  path: string[];
}

async function redocly(doc: unknown, name: string): Promise<RedoclyReport> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(doc));
  const out = await run(
    process.execPath,
    [TOOLS.redocly, "lint", file, "--config", join(ROOT, "redocly.yaml"), "--format=json"],
    // No usage report to Redocly, no update check: the test talks to nobody.
    { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
  );
  try {
    return JSON.parse(out.stdout) as RedoclyReport;
  } catch {
    throw new Error(`redocly did not report: ${out.stderr}\n${out.stdout}`);
  }
}

async function spectral(doc: unknown, name: string): Promise<SpectralResult[]> {
  const file = join(dir, `${name}.json`);
  const output = join(dir, `${name}.spectral.json`);
  await writeFile(file, JSON.stringify(doc));
  const out = await run(process.execPath, [
    TOOLS.spectral,
    "lint",
    file,
    "--ruleset",
    join(ROOT, ".spectral.yaml"),
    "--format=json",
    "--output",
    output,
    "--fail-severity=hint",
  ]);
  try {
    return JSON.parse(await readFile(output, "utf8")) as SpectralResult[];
  } catch {
    throw new Error(`spectral did not report: ${out.stderr}\n${out.stdout}`);
  }
}

const brief = (problems: { ruleId?: string; code?: string; message: string }[]) =>
  problems.map((p) => `${p.ruleId ?? p.code}: ${p.message}`);

/** Every `pattern` in the document, with where it is. */
function patterns(node: unknown, at = "#"): { at: string; pattern: string }[] {
  if (!node || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === "pattern" && typeof value === "string"
      ? [{ at, pattern: value }]
      : patterns(value, `${at}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`),
  );
}

describe("GET /openapi.json", () => {
  it("passes `redocly lint` (redocly.yaml): 0 errors, 0 warnings", async () => {
    const report = await redocly(document, "openapi");
    expect(brief(report.problems)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 90_000);

  it("passes `spectral lint` (spectral:oas): no result of any severity", async () => {
    expect(brief(await spectral(document, "openapi"))).toEqual([]);
  }, 90_000);

  it("would fail both linters on the defects it once had", async () => {
    // A summary, description and operationId missing, an undeclared tag, no 4xx on a /v1
    // operation, no servers, and a snake_case operationId: each must be reported.
    const broken = structuredClone(document);
    delete broken.servers;
    const signup = broken.paths["/v1/auth/signup"]?.post;
    const me = broken.paths["/v1/me"]?.get;
    if (!signup || !me) throw new Error("the document has no signup or /v1/me");
    delete signup.summary;
    delete signup.description;
    delete signup.operationId;
    signup.tags = ["undeclared"];
    for (const status of Object.keys(me.responses)) if (status.startsWith("4")) delete me.responses[status];
    me.operationId = "get_me";
    const redoclyRules = new Set((await redocly(broken, "broken")).problems.map((p) => p.ruleId));
    expect([...redoclyRules].sort()).toEqual(
      expect.arrayContaining([
        "no-empty-servers",
        "operation-description",
        "operation-operationId",
        "operation-summary",
        "operation-tag-defined",
        "rule/operation-id-camel-case",
        "rule/v1-operation-4xx-response",
      ]),
    );
    const spectralRules = new Set((await spectral(broken, "broken")).map((r) => r.code));
    expect([...spectralRules].sort()).toEqual(
      expect.arrayContaining([
        "oas3-api-servers",
        "operation-description",
        "operation-operationId",
        "operation-tag-defined",
      ]),
    );
  }, 90_000);

  it("gives every operation a unique operationId, a summary, a description and one declared tag", () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(40);
    const tags = new Set(document.tags?.map((t) => t.name));
    const problems = operations.flatMap(({ method, path, operation }) => {
      const where = `${method.toUpperCase()} ${path}`;
      return [
        ...(/^[a-z][A-Za-z]+$/.test(operation.operationId ?? "") ? [] : [`${where}: operationId`]),
        ...(operation.summary ? [] : [`${where}: summary`]),
        ...(operation.description ? [] : [`${where}: description`]),
        ...(operation.tags?.length === 1 && tags.has(operation.tags[0] ?? "") ? [] : [`${where}: tag`]),
      ];
    });
    expect(problems).toEqual([]);
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.tags?.every((t) => t.description)).toBe(true);
    expect(document.info).toMatchObject({ license: expect.anything(), contact: expect.anything() });
    expect(String(document.info.description)).not.toMatch(/\.md\b/); // nothing a reader cannot open
    expect(document.servers?.length).toBeGreaterThan(0);
  });

  it("declares security on every operation: bearer by default, none on the public routes", () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    const open = operationsOf(document)
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(open).toEqual([
      "GET /healthz",
      "GET /openapi.json",
      "GET /readyz",
      "GET /v1/invitations/{token}",
      "POST /v1/auth/login",
      "POST /v1/auth/login/mfa",
      "POST /v1/auth/signup",
    ]);
  });

  it("declares the error statuses each /v1 operation can answer, with the shared error envelope", () => {
    const problems = operationsOf(document).flatMap(({ method, path, operation }) => {
      if (!path.startsWith("/v1/")) return [];
      const secured = (operation.security ?? document.security ?? []).length > 0;
      const expected = [
        "400",
        "500",
        ...(secured ? ["401", "403"] : []),
        ...((operation.parameters ?? []).some((p) => p.in === "path") ? ["404"] : []),
        ...(operation.requestBody ? ["413", "415"] : []),
      ];
      const declared = Object.keys(operation.responses);
      const errorsAreEnvelopes = declared
        .filter((s) => s >= "400")
        .every((s) => operation.responses[s]?.$ref?.startsWith("#/components/responses/"));
      return [
        ...expected.filter((s) => !declared.includes(s)).map((s) => `${method.toUpperCase()} ${path}: no ${s}`),
        ...(declared.includes("default") ? [`${method.toUpperCase()} ${path}: default`] : []),
        ...(errorsAreEnvelopes ? [] : [`${method.toUpperCase()} ${path}: an error that is not the envelope`]),
        ...(declared.some((s) => s.startsWith("2")) ? [] : [`${method.toUpperCase()} ${path}: no success`]),
      ];
    });
    expect(problems).toEqual([]);
    const responses = document.components?.responses as Record<string, any>;
    for (const name of ["RateLimited", "Unavailable"]) {
      expect(responses[name].headers["Retry-After"].schema).toEqual({ type: "integer", minimum: 0 });
    }
    // Every error response shows the envelope with one example per code of its status.
    const codes = Object.values(responses).flatMap((r) =>
      Object.values(r.content["application/json"].examples).map((e: any) => e.value.error.code),
    );
    expect(codes).toEqual(expect.arrayContaining(["unsupported_media_type", "rate_limited", "last_owner", "gone"]));
  });

  it("uses patterns a JSON Schema validator can run (no JavaScript flags leaked into them)", () => {
    const all = patterns(document);
    expect(all.length).toBeGreaterThan(50);
    const broken = all.filter(({ pattern }) => {
      if (/\/[dgimsuvy]*$/.test(pattern) && !pattern.endsWith("\\/")) return true;
      try {
        new RegExp(pattern, "u");
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
    const uuid = document.paths["/v1/orgs/{orgId}"]?.get?.parameters?.find((p) => p.name === "orgId")?.schema;
    const pattern = new RegExp(String(uuid?.pattern), "u");
    expect(pattern.test("0b4e7a4c-1f0e-4d5a-9c3b-2a1d0e9f8c7b")).toBe(true);
    expect(pattern.test("0B4E7A4C-1F0E-4D5A-9C3B-2A1D0E9F8C7B")).toBe(true); // any case, as the server takes
    expect(pattern.test("not-a-uuid")).toBe(false);
  });

  it("documents the node's own routes: /healthz, /readyz and /openapi.json", () => {
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/healthz", "/readyz", "/openapi.json"]));
    expect(Object.keys(document.paths["/readyz"]?.get?.responses ?? {})).toEqual(["200", "503"]);
  });

  it("is what docs/openapi.json and docs/api.md hold (run `npm run docs:api` after changing a route)", async () => {
    for (const [path, expected] of Object.entries(apiDocsFiles(document as unknown as Document))) {
      const committed = await readFile(join(ROOT, path), "utf8").catch(() => "");
      expect(committed === expected, `${path} is stale: run \`npm run docs:api\``).toBe(true);
    }
  });
});
