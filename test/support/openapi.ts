import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freePort, ROOT } from "./nodes.js";

/** The OpenAPI document as /openapi.json serves it (loosely typed: tests walk it). */
export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<string, { $ref?: string; description?: string }>;
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/** Every operation of the document, with its method and path. */
export function operationsOf(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => (item[method] ? [{ method, path, operation: item[method] }] : [])),
  );
}

/** The tools' entry points, run with this Node (their bins are JS files). */
export const TOOLS = {
  redocly: join(ROOT, "node_modules/@redocly/cli/bin/cli.js"),
  spectral: join(ROOT, "node_modules/@stoplight/spectral-cli/dist/index.js"),
  prism: join(ROOT, "node_modules/@stoplight/prism-cli/dist/index.js"),
} as const;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A violation as Prism reports it in the `sl-violations` header. */
export interface Violation {
  location: string[];
  severity: string;
  code?: string | number;
  message: string;
}

export interface PrismProxy {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * `prism proxy`: forwards every request to `upstream`, validates the request and the answer against
 * the document, and reports what does not conform in the answer's `sl-violations` header (with
 * `--errors=false` it never replaces the upstream's answer).
 */
export async function startPrism(documentPath: string, upstream: string): Promise<PrismProxy> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [TOOLS.prism, "proxy", documentPath, upstream, "--host", "127.0.0.1", "--port", String(port), "--errors=false"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!/Prism is listening/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prism did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}

/**
 * The violations Prism attached to an answer. Past a size Prism sends a sentence instead of the
 * list ("Too many violations!"): that counts as one violation of the answer.
 */
export function violationsOf(res: Response): Violation[] {
  const header = res.headers.get("sl-violations");
  if (!header) return [];
  try {
    return JSON.parse(header) as Violation[];
  } catch {
    return [{ location: ["response"], severity: "Error", message: header }];
  }
}
