/**
 * The OpenAPI conformance test's setup: a node behind `prism proxy` given the node's own document,
 * and a recorder of the requests sent through it with the violations Prism reported.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { OrgwireNode } from "../../server/node.js";
import { startTestNode } from "./nodes.js";
import {
  type OpenApiDocument,
  type Operation,
  operationsOf,
  type PrismProxy,
  startPrism,
  type Violation,
  violationsOf,
} from "./openapi.js";
import { createTestDatabase } from "./services.js";

export interface PrismSetup {
  node: OrgwireNode & { url: string };
  /** The node's /openapi.json, as Prism was given it. */
  document: OpenApiDocument;
  prism: PrismProxy;
  /** A temporary folder (removed after the file) holding the document. */
  dir: string;
}

/**
 * A node on a fresh database (with `env`), its /openapi.json written to a temporary folder, and
 * `prism proxy` in front of the node with that document. Call once at a test file's top level;
 * returns a live object whose fields are filled in beforeAll.
 */
export function useNodeBehindPrism(env: Record<string, string>): PrismSetup {
  const setup = {} as PrismSetup;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    setup.node = await startTestNode({
      DATABASE_URL: database.url,
      ...env,
    });
    cleanups.push(() => setup.node.close());
    setup.document = (await (await setup.node.app.request("/openapi.json")).json()) as OpenApiDocument;
    setup.dir = await mkdtemp(join(tmpdir(), "orgwire-prism-"));
    cleanups.push(() => rm(setup.dir, { recursive: true, force: true }));
    await writeFile(join(setup.dir, "openapi.json"), JSON.stringify(setup.document));
    setup.prism = await startPrism(join(setup.dir, "openapi.json"), setup.node.url);
    cleanups.push(() => setup.prism.stop());
  }, 90_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return setup;
}

export interface Call {
  operationId: string;
  label: string;
  /** Sent invalid on purpose: Prism must report the request. */
  invalid: boolean;
  status: number;
  violations: Violation[];
}

export interface PrismCallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  /** Sent as is, with `contentType` (default application/json). */
  raw?: string;
  contentType?: string;
  token?: string;
  /** Expected status; the call throws on another. */
  expect?: number;
  invalid?: boolean;
  label?: string;
}

/** Requests through `setup`'s Prism, each recorded in `calls`. */
export function prismRecorder(setup: PrismSetup) {
  const calls: Call[] = [];

  function operationById(operationId: string): { method: string; path: string; operation: Operation } {
    const found = operationsOf(setup.document).find((o) => o.operation.operationId === operationId);
    if (!found) throw new Error(`no operation ${operationId} in the document`);
    return found;
  }

  /** One request through Prism to the operation, recorded with the violations Prism reported. */
  async function op(operationId: string, options: PrismCallOptions = {}) {
    const { method, path } = operationById(operationId);
    const url = new URL(
      setup.prism.url +
        path.replace(/\{(\w+)\}/g, (_, name: string) => {
          const value = options.params?.[name];
          if (value === undefined) throw new Error(`${operationId}: no value for {${name}}`);
          return encodeURIComponent(value);
        }),
    );
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    const res = await fetch(url, { method: method.toUpperCase(), headers, body });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // CSV, NDJSON: keep the text
    }
    const call: Call = {
      operationId,
      label: options.label ?? `${method.toUpperCase()} ${url.pathname}${url.search}`,
      invalid: options.invalid ?? false,
      status: res.status,
      violations: violationsOf(res),
    };
    calls.push(call);
    if (options.expect !== undefined && res.status !== options.expect) {
      throw new Error(`${call.label}: expected ${options.expect}, got ${res.status} ${text.slice(0, 300)}`);
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  return { calls, op };
}

/** The last invitation link mailed to `email` (the node keeps mail in its dev outbox). */
export function mailedToken(node: OrgwireNode, email: string): string {
  if (node.mailer.kind !== "outbox") throw new Error("the test node keeps mail in the dev outbox");
  const link = node.mailer.outbox().findLast((m) => m.to === email)?.link ?? "";
  const token = link.split("/invite/")[1];
  if (!token) throw new Error(`no invitation mailed to ${email}`);
  return token;
}
