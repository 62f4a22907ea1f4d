/**
 * Renders the OpenAPI document (`GET /openapi.json`) as Markdown: docs/api.md. Pure: document in,
 * text out. `npm run docs:api` (scripts/api-docs.ts) writes it; test/openapi.test.ts fails when the
 * committed file is not what the current routes render.
 */

import { UUID_PATTERN } from "../client-sdk/src/contract/index.js";

type Schema = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema?: Schema }> }>;
}
export interface Document {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components?: {
    responses?: Record<
      string,
      { description: string; content?: Record<string, { examples?: Record<string, unknown> }> }
    >;
  };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Markdown table cells: no pipes or newlines inside. */
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
const anchor = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .trim()
    .replace(/ /g, "-");

/** A schema as a short type expression: `{ id: string, role: "owner" | "editor" }`, `Item[]`. */
export function typeOf(schema: Schema | undefined, depth = 0): string {
  if (!schema) return "any";
  if (typeof schema.$ref === "string") return schema.$ref.split("/").at(-1) ?? "object";
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const variants = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (variants) return variants.map((v) => typeOf(v, depth)).join(" | ");
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
  return types
    .map((type) => {
      if (type === "array") return `${wrap(typeOf(schema.items as Schema, depth))}[]`;
      if (type === "object" || (type === undefined && schema.properties)) {
        const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
        if (properties.length === 0) return "object";
        if (depth >= 2) return "{ … }";
        const required = new Set((schema.required ?? []) as string[]);
        return `{ ${properties.map(([k, v]) => `${k}${required.has(k) ? "" : "?"}: ${typeOf(v, depth + 1)}`).join(", ")} }`;
      }
      if (type === "string" && typeof schema.format === "string") return `string (${schema.format})`;
      return type ?? "any";
    })
    .join(" | ");
}

const wrap = (t: string) => (t.includes(" | ") ? `(${t})` : t);

/** Limits, defaults and patterns of a field, for the notes column. */
function notes(schema: Schema | undefined, description?: string): string {
  if (!schema) return description ?? "";
  const out: string[] = [];
  if (description ?? schema.description) out.push(String(description ?? schema.description));
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    out.push(`length ${schema.minLength ?? 0}..${schema.maxLength ?? "∞"}`);
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    out.push(`${schema.minimum ?? "−∞"}..${schema.maximum ?? "∞"}`);
  if (schema.maxItems !== undefined) out.push(`at most ${schema.maxItems} items`);
  if (schema.pattern === UUID_PATTERN.source) out.push("a UUID");
  else if (typeof schema.pattern === "string") out.push(`pattern \`${schema.pattern}\``);
  if (schema.default !== undefined) out.push(`default \`${JSON.stringify(schema.default)}\``);
  return out.join("; ");
}

function fieldTable(schema: Schema): string[] {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  const required = new Set((schema.required ?? []) as string[]);
  return [
    "| field | type | required | notes |",
    "| --- | --- | --- | --- |",
    ...properties.map(
      ([name, s]) =>
        `| \`${name}\` | ${cell(typeOf(s, 1))} | ${required.has(name) ? "yes" : "no"} | ${cell(notes(s))} |`,
    ),
  ];
}

function renderBody(schema: Schema): string[] {
  const variants = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (variants) {
    return variants.flatMap((variant, i) => [
      `One of (${i + 1} of ${variants.length}):`,
      "",
      ...fieldTable(variant),
      "",
    ]);
  }
  return [...fieldTable(schema), ""];
}

function renderOperation(method: string, path: string, operation: Operation, document: Document): string[] {
  const security = operation.security ?? document.security ?? [];
  const lines = [
    `### ${operation.summary ?? `${method.toUpperCase()} ${path}`}`,
    "",
    `\`${method.toUpperCase()} ${path}\` · ${security.length > 0 ? "bearer token" : "no token"} · operationId \`${operation.operationId}\``,
    "",
  ];
  if (operation.description) lines.push(operation.description, "");
  const parameters = operation.parameters ?? [];
  if (parameters.length > 0) {
    lines.push("| parameter | in | type | required | notes |", "| --- | --- | --- | --- | --- |");
    for (const p of parameters) {
      lines.push(
        `| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema))} | ${p.required ? "yes" : "no"} | ${cell(notes(p.schema, p.description))} |`,
      );
    }
    lines.push("");
  }
  const body = operation.requestBody?.content["application/json"]?.schema;
  if (body) lines.push("Body (`application/json`):", "", ...renderBody(body));
  lines.push("| status | answer |", "| --- | --- |");
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response.$ref) {
      const name = response.$ref.split("/").at(-1) ?? "";
      lines.push(`| ${status} | [${name}](#${anchor(`${status} ${name}`)}) |`);
      continue;
    }
    const shapes = Object.entries(response.content ?? {}).map(([type, media]) =>
      type === "application/json" ? `\`${typeOf(media.schema)}\`` : `\`${type}\``,
    );
    lines.push(`| ${status} | ${cell([response.description ?? "", ...shapes].filter(Boolean).join(": "))} |`);
  }
  lines.push("");
  return lines;
}

export function renderApiReference(document: Document): string {
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path, operation: item[method] }] : [])),
  );
  const tags = document.tags ?? [];
  const lines = [
    `# ${document.info.title} ${document.info.version}`,
    "",
    "<!-- Generated from GET /openapi.json by `npm run docs:api` (scripts/api-docs.ts). Do not edit. -->",
    "",
    "The reference of every HTTP route, generated from the OpenAPI document the nodes serve at",
    "`GET /openapi.json` (also in [openapi.json](openapi.json)). For a guided tour, see the",
    "[README](../README.md#a-tour-of-the-api).",
    "",
    document.info.description ?? "",
    "",
    "## Contents",
    "",
    ...tags.map((t) => `- [${t.name}](#${anchor(t.name)}): ${t.description ?? ""}`),
    "- [Errors](#errors)",
    "",
  ];
  for (const tag of tags) {
    lines.push(`## ${tag.name}`, "", tag.description ?? "", "");
    for (const { method, path, operation } of operations.filter((o) => o.operation.tags?.[0] === tag.name)) {
      lines.push(...renderOperation(method, path, operation, document));
    }
  }
  lines.push("## Errors", "", "Every error answer is `{ error: { code, message, details? } }`. By status:", "");
  for (const [name, response] of Object.entries(document.components?.responses ?? {})) {
    const status = Object.values(document.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => Object.entries(op.responses ?? {}))
      .find(([, r]) => r.$ref === `#/components/responses/${name}`)?.[0];
    const codes = Object.keys(response.content?.["application/json"]?.examples ?? {});
    lines.push(
      `### ${status ?? ""} ${name}`,
      "",
      response.description,
      "",
      `Codes: ${codes.map((c) => `\`${c}\``).join(", ")}.`,
      "",
    );
  }
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

/** The generated files under docs/, by path relative to the repository. */
export function apiDocsFiles(document: Document): Record<string, string> {
  return {
    "docs/openapi.json": `${JSON.stringify(document, null, 2)}\n`,
    "docs/api.md": renderApiReference(document),
  };
}
