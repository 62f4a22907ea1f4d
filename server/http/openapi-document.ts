import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import {
  acceptedInvitation,
  apiKey,
  authResult,
  billingProfile,
  chainReport,
  createdApiKey,
  invitation,
  invitationPreview,
  me,
  member,
  mfaChallenge,
  org,
  orgEvent,
  project,
  projectMember,
  resource,
  session,
  user,
} from "../../client-sdk/src/contract/index.js";
import { codesOf, ERROR_RESPONSES, type ErrorStatus, errorRef } from "./openapi.js";

/** The API's version in the document (the /v1 contract), not the package's. */
export const API_VERSION = "1.0.0";

/** Tags in the order a reader meets them; every operation has exactly one of these. */
export const TAGS = [
  {
    name: "auth",
    description:
      "Accounts and sessions: sign up, log in (with a TOTP code when MFA is on), log out, who the token belongs to, and the account's own MFA, sessions and password.",
  },
  { name: "orgs", description: "Organizations and their settings. The creator is the first owner." },
  { name: "members", description: "An organization's members and their roles: owner, editor, viewer, guest." },
  {
    name: "invitations",
    description: "Email invitations: an owner invites, the link's token is previewed and accepted by its recipient.",
  },
  { name: "projects", description: "Projects inside an organization, and project roles for its members." },
  { name: "resources", description: "Resources (`vps`, `domain`, `hosting`) inside a project." },
  { name: "events", description: "The organization's event log, as the caller may see it." },
  {
    name: "audit",
    description: "The audit log (owners and audit API keys): filtered pages, streamed exports, hash-chain check.",
  },
  { name: "api-keys", description: "API keys (`ow_…`) that act for an organization with a capped role." },
  { name: "billing", description: "The organization's billing profile." },
  {
    name: "webhooks",
    description:
      "Signed webhook endpoints that get the organization's events in seq order, at least once; their delivery log.",
  },
  { name: "node", description: "The node itself: liveness, readiness and this document. Outside `/v1`." },
] as const;

const DESCRIPTION = `Orgwire is the backend of a hosting console's Organizations area: organizations, email
invitations, roles, projects, resources, an audit log and API keys. Every change is an event in the
organization's log, delivered live over Socket.IO.

**Authentication.** Send \`Authorization: Bearer <token>\`, where the token is a session token (from
\`POST /v1/auth/signup\`, \`POST /v1/auth/login\` or, with MFA on, \`POST /v1/auth/login/mfa\`) or an
API key (\`ow_…\`, from \`POST /v1/orgs/{orgId}/api-keys\`). An API key works on its own
organization's routes only.

**Errors.** Every error is \`{"error": {"code", "message", "details?"}}\` with the status of its
code: \`invalid_request\` 400 (\`details\` lists each problem with its \`path\`), \`unauthenticated\` 401,
\`forbidden\`, \`domain_not_allowed\`, \`invalid_credentials\` and \`mfa_required\` 403, \`not_found\` 404,
\`method_not_allowed\` 405 (with \`Allow\`), \`conflict\`, \`last_owner\`, \`already_member\` and
\`mfa_required_for_you\` 409, \`gone\` 410, \`payload_too_large\` 413, \`unsupported_media_type\` 415,
\`rate_limited\` 429 and \`unavailable\` 503 (both with \`Retry-After\`), \`internal\` 500.

**Lists** answer \`{items, nextCursor}\`: pass \`nextCursor\` back as \`cursor\` (for the event log, as
\`since\`) for the next page; it is \`null\` on the last one. \`limit\` is 1 to 500, 50 by default.

**Live events.** Connect Socket.IO to the namespace \`/orgs/{orgId}\` with the websocket transport and
\`auth: {token, since?}\`. With \`since\`, the events after that \`seq\` are replayed first; then
\`ready {orgId, role, seq}\`, then each \`event\` as it commits, in \`seq\` order. \`revoked {orgId,
reason}\` ends the subscription when the caller's access ends (\`mfa_required\`: the organization requires
MFA the member has not turned on; a handshake is then refused with that message).`;

/**
 * Answers that get a name under components.schemas (so generated clients name their types, and the
 * events' union is written once instead of in every list that holds events).
 */
const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  User: user,
  AuthResult: authResult,
  MfaChallenge: mfaChallenge,
  Session: session,
  Me: me,
  Org: org,
  Member: member,
  Invitation: invitation,
  InvitationPreview: invitationPreview,
  AcceptedInvitation: acceptedInvitation,
  Project: project,
  ProjectMember: projectMember,
  Resource: resource,
  OrgEvent: orgEvent,
  ChainReport: chainReport,
  ApiKey: apiKey,
  CreatedApiKey: createdApiKey,
  BillingProfile: billingProfile,
};

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/**
 * The OpenAPI document of every route registered on `app`, finished here: info, servers, tags,
 * the bearer scheme (the default), the shared error envelope and responses, and on every /v1
 * operation the error statuses its shape implies (see ./openapi.ts, ErrorStatus).
 */
export function buildOpenApiDocument(app: Pick<OpenAPIHono, "openAPIRegistry" | "getOpenAPI31Document">) {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A session token (signup, login) or an API key (`ow_…`).",
  });
  registry.registerComponent("schemas", "Error", ERROR_SCHEMA);
  for (const [status, spec] of Object.entries(ERROR_RESPONSES)) {
    registry.registerComponent("responses", spec.name, {
      description: spec.description,
      ...(spec.retryAfter
        ? { headers: { "Retry-After": { description: spec.retryAfter, schema: { type: "integer", minimum: 0 } } } }
        : {}),
      content: {
        "application/json": {
          schema: { $ref: "#/components/schemas/Error" },
          examples: Object.fromEntries(
            codesOf(Number(status)).map((code) => [
              code,
              { summary: code, value: { error: { code, message: spec.examples[code] ?? code } } },
            ]),
          ),
        },
      },
    });
  }

  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Orgwire API",
      version: API_VERSION,
      description: DESCRIPTION,
      contact: { name: "Orgwire maintainers" },
      // OpenAPI 3.1's SPDX `identifier`; the generator's types only know 3.0's `url`.
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" } as { name: string },
    },
    // Relative: the node that serves the document (any node of the deployment answers every route).
    servers: [{ url: "/", description: "The node that serves this document" }],
    tags: [...TAGS],
    security: [{ bearer: [] }],
  }) as unknown as Json & { paths: Record<string, Record<string, Operation>>; components?: Json };

  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const secured = operation.security === undefined || operation.security.length > 0;
      const implied: ErrorStatus[] = path.startsWith("/v1/") ? [400, 500] : [];
      if (path.startsWith("/v1/") && secured) implied.push(401, 403);
      if (path.startsWith("/v1/") && operation.parameters?.some((p) => p.in === "path")) implied.push(404);
      if (path.startsWith("/v1/") && operation.requestBody) implied.push(413, 415);
      const responses = { ...operation.responses };
      for (const status of implied) responses[status] ??= errorRef(status);
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  nameSchemas(document);
  // The generator emits an empty `webhooks` and empty component maps; drop them.
  delete document.webhooks;
  for (const [key, value] of Object.entries(document.components ?? {})) {
    if (value && typeof value === "object" && Object.keys(value).length === 0) delete document.components?.[key];
  }
  return document;
}

const ERROR_SCHEMA = {
  type: "object" as const,
  description: "The envelope of every error answer.",
  required: ["error"],
  properties: {
    error: {
      type: "object" as const,
      required: ["code", "message"],
      properties: {
        code: {
          type: "string" as const,
          description: "Stable and machine-readable; the HTTP status follows from it. New codes may be added.",
          examples: ["not_found"],
        },
        message: { type: "string" as const, description: "For people; may change." },
        details: {
          description:
            "Optional. For `invalid_request`: the problems, each `{path, message, code}` (`path` is where in the body, query or parameters).",
        },
      },
    },
  },
};

/** JSON with sorted keys, to compare schemas. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/**
 * The generator inlines every schema where it is used. This writes each of NAMED_SCHEMAS once under
 * components.schemas and replaces every inline copy (in the paths and inside the other named
 * schemas) with a $ref: the generator's own output for the schema alone is what is matched, so a
 * copy is replaced only when it is exactly that schema.
 */
function nameSchemas(document: Json & { paths: unknown; components?: Json }) {
  // Each schema as the generator writes it inline: the answer of a scratch path of its own.
  const scratch = new OpenAPIHono();
  for (const [name, schema] of Object.entries(NAMED_SCHEMAS)) {
    scratch.openAPIRegistry.registerPath({
      method: "get",
      path: `/${name}`,
      responses: { 200: { description: name, content: { "application/json": { schema } } } },
    });
  }
  const scratchPaths = scratch.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } }).paths ?? {};
  const generated = Object.fromEntries(
    Object.keys(NAMED_SCHEMAS).map((name) => {
      const ok = scratchPaths[`/${name}`]?.get?.responses?.["200"] as
        | { content?: Record<string, { schema?: unknown }> }
        | undefined;
      return [name, ok?.content?.["application/json"]?.schema];
    }),
  );
  const byShape = new Map(Object.entries(generated).map(([name, schema]) => [canonical(schema), name]));
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (!node || typeof node !== "object") return node;
    const name = byShape.get(canonical(node));
    if (name) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replace(v)]));
  };
  document.paths = replace(document.paths);
  const components = document.components ?? {};
  const schemas = (components.schemas ?? {}) as Record<string, unknown>;
  components.schemas = schemas;
  document.components = components;
  for (const [name, schema] of Object.entries(generated)) {
    schemas[name] = Object.fromEntries(Object.entries(schema as Json).map(([k, v]) => [k, replace(v)]));
  }
}
