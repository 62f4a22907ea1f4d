/**
 * The node answers as its own /openapi.json says, checked by a third-party validator: a tour of
 * every operation, success and error cases, goes through `prism proxy` in front of a real node, and
 * Prism reports each request or answer that does not conform to the document. A request the tour
 * sends invalid on purpose must be reported (that proves Prism checks requests); nothing else may
 * be, and no answer at all may be. The operations come from the document itself: one the tour does
 * not cover fails the test by name.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Call,
  mailedToken,
  type PrismCallOptions,
  prismRecorder,
  useNodeBehindPrism,
} from "./support/conformance.js";
import { codeAt, wrongCode } from "./support/mfa.js";
import { operationsOf, startPrism, violationsOf } from "./support/openapi.js";

const BODY_LIMIT = 64 * 1024;

const setup = useNodeBehindPrism({ LOGIN_MAX_FAILURES: "2", BODY_LIMIT_BYTES: String(BODY_LIMIT) });
const { calls, op } = prismRecorder(setup);

const newEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;
const PASSWORD = "correct horse battery";

describe("the API through prism proxy", () => {
  /** Path values that exist, by parameter name; filled by the tour. */
  const fixtures: Record<string, string> = {};
  /** A body each operation accepted, to re-send with a wrong id or content type. */
  const goodBodies: Record<string, unknown> = {};
  let ownerToken = "";

  it("tours every operation: success cases, then error cases, then the deletions", async () => {
    const send = async (operationId: string, options: PrismCallOptions) => {
      if (options.body !== undefined && !options.invalid) goodBodies[operationId] ??= options.body;
      return op(operationId, options);
    };

    // The node's own routes.
    await send("getLiveness", { expect: 200 });
    await send("getReadiness", { expect: 200 });
    await send("getOpenApiDocument", { expect: 200 });

    // Accounts and sessions.
    const ownerEmail = newEmail("owner");
    const owner = await send("signup", {
      body: { email: ownerEmail, password: PASSWORD, name: "Ann Owner" },
      expect: 201,
    });
    ownerToken = owner.body.token;
    fixtures.userId = owner.body.user.id;
    await send("signup", { body: { email: ownerEmail, password: PASSWORD, name: "Ann again" }, expect: 409 });
    const second = await send("login", { body: { email: ownerEmail, password: PASSWORD }, expect: 200 });
    await send("login", { body: { email: ownerEmail, password: "not the password" }, expect: 401 });
    await send("getMe", { token: ownerToken, expect: 200 });

    // The account's own security, on an account of its own (a password change revokes the others).
    const carolEmail = newEmail("carol");
    const carol = await send("signup", { body: { email: carolEmail, password: PASSWORD, name: "Carol" }, expect: 201 });
    const carolToken: string = carol.body.token;
    const enrolment = await send("startTotpEnrolment", { token: carolToken, expect: 200 });
    await send("confirmTotp", { token: carolToken, body: { code: wrongCode(enrolment.body.secret) }, expect: 403 });
    const codes = await send("confirmTotp", {
      token: carolToken,
      body: { code: codeAt(enrolment.body.secret) },
      expect: 200,
    });
    await send("startTotpEnrolment", { token: carolToken, expect: 409 });
    const challenge = await send("login", { body: { email: carolEmail, password: PASSWORD }, expect: 200 });
    const mfaSession = await send("loginMfa", {
      body: { challenge: challenge.body.challenge, code: codeAt(enrolment.body.secret, 1) },
      expect: 200,
    });
    await send("loginMfa", {
      body: { challenge: challenge.body.challenge, recoveryCode: codes.body.recoveryCodes[0] },
      expect: 401,
    });
    const carolSessions = await send("listSessions", { token: carolToken, query: { limit: 10 }, expect: 200 });
    const mfaListed = carolSessions.body.items.find((s: { current: boolean }) => !s.current);
    await send("revokeSession", { token: carolToken, params: { sessionId: mfaListed.id }, expect: 204 });
    await send("getMe", { token: mfaSession.body.token, expect: 401 });
    await send("disableTotp", { token: carolToken, body: { recoveryCode: codes.body.recoveryCodes[1] }, expect: 204 });
    await send("disableTotp", { token: carolToken, body: { recoveryCode: codes.body.recoveryCodes[2] }, expect: 409 });
    await send("changePassword", {
      token: carolToken,
      body: { currentPassword: PASSWORD, newPassword: "a new and longer password" },
      expect: 204,
    });

    // Organizations.
    const org = await send("createOrg", { token: ownerToken, body: { name: "Acme" }, expect: 201 });
    fixtures.orgId = org.body.id;
    await send("listOrgs", { token: ownerToken, query: { limit: 10 }, expect: 200 });
    await send("getOrg", { token: ownerToken, params: fixtures, expect: 200 });
    await send("updateOrg", {
      token: ownerToken,
      params: fixtures,
      body: { name: "Acme Corp", settings: { preferences: { language: "fr", dateFormat: "iso" } } },
      expect: 200,
    });

    // Invitations: invite, resend, preview, accept.
    const memberEmail = newEmail("member");
    const member = await send("signup", { body: { email: memberEmail, password: PASSWORD, name: "Bob" }, expect: 201 });
    const invitation = await send("createInvitation", {
      token: ownerToken,
      params: fixtures,
      body: { email: memberEmail, role: "editor" },
      expect: 201,
    });
    fixtures.invitationId = invitation.body.id;
    await send("createInvitation", {
      token: ownerToken,
      params: fixtures,
      body: { email: memberEmail, role: "viewer" },
      expect: 409,
    });
    await send("listInvitations", { token: ownerToken, params: fixtures, expect: 200 });
    await send("resendInvitation", { token: ownerToken, params: fixtures, expect: 200 });
    fixtures.token = mailedToken(setup.node, memberEmail);
    await send("previewInvitation", { params: fixtures, expect: 200 });
    await send("acceptInvitation", { token: member.body.token, params: fixtures, expect: 200 });
    await send("previewInvitation", { params: fixtures, expect: 410 });
    await send("acceptInvitation", { token: member.body.token, params: fixtures, expect: 410 });

    // Members and roles.
    await send("listMembers", { token: ownerToken, params: fixtures, expect: 200 });
    const memberIds = () => ({ ...fixtures, userId: member.body.user.id });
    await send("setMemberRole", { token: ownerToken, params: memberIds(), body: { role: "viewer" }, expect: 200 });
    await send("setMemberRole", { token: ownerToken, params: fixtures, body: { role: "editor" }, expect: 409 });
    await send("listMembers", { token: member.body.token, params: fixtures, expect: 200 });
    await send("updateOrg", { token: member.body.token, params: fixtures, body: { name: "Mine" }, expect: 403 });

    // Projects and their members, resources.
    const project = await send("createProject", {
      token: ownerToken,
      params: fixtures,
      body: { name: "Production" },
      expect: 201,
    });
    fixtures.projectId = project.body.id;
    await send("listProjects", { token: ownerToken, params: fixtures, expect: 200 });
    await send("getProject", { token: ownerToken, params: fixtures, expect: 200 });
    await send("renameProject", { token: ownerToken, params: fixtures, body: { name: "Prod" }, expect: 200 });
    await send("setProjectMember", { token: ownerToken, params: memberIds(), body: { role: "editor" }, expect: 200 });
    await send("listProjectMembers", { token: ownerToken, params: fixtures, expect: 200 });
    const resource = await send("createResource", {
      token: ownerToken,
      params: fixtures,
      body: { type: "vps", name: "web-1", config: { region: "eu-west" } },
      expect: 201,
    });
    fixtures.resourceId = resource.body.id;
    await send("createResource", {
      token: ownerToken,
      params: fixtures,
      body: { type: "domain", name: "acme.example.org" },
      expect: 201,
    });
    await send("listResources", { token: ownerToken, params: fixtures, query: { limit: 1 }, expect: 200 });
    await send("getResource", { token: ownerToken, params: fixtures, expect: 200 });
    await send("updateResource", {
      token: ownerToken,
      params: fixtures,
      body: { config: { plan: "m1" } },
      expect: 200,
    });

    // The event log and the audit log.
    const events = await send("listEvents", { token: ownerToken, params: fixtures, query: { limit: 5 }, expect: 200 });
    await send("listEvents", { token: member.body.token, params: fixtures, query: { since: 3 }, expect: 200 });
    const audit = await send("listAuditLogs", {
      token: ownerToken,
      params: fixtures,
      query: { limit: 3 },
      expect: 200,
    });
    await send("listAuditLogs", {
      token: ownerToken,
      params: fixtures,
      query: { action: "member.*", cursor: audit.body.nextCursor, from: "2020-01-01T00:00:00Z" },
      expect: 200,
    });
    await send("exportAuditLogs", { token: ownerToken, params: fixtures, query: { format: "csv" }, expect: 200 });
    await send("exportAuditLogs", { token: ownerToken, params: fixtures, query: { format: "ndjson" }, expect: 200 });
    await send("verifyAuditChain", { token: ownerToken, params: fixtures, expect: 200 });
    await send("listAuditLogs", { token: member.body.token, params: fixtures, expect: 403 });
    expect(events.body.items.length).toBe(5);

    // API keys, used.
    const key = await send("createApiKey", {
      token: ownerToken,
      params: fixtures,
      body: { name: "ci", role: "editor", audit: true },
      expect: 201,
    });
    fixtures.keyId = key.body.apiKey.id;
    await send("listApiKeys", { token: ownerToken, params: fixtures, expect: 200 });
    await send("getOrg", { token: key.body.secret, params: fixtures, expect: 200 });
    await send("getMe", { token: key.body.secret, expect: 403 });

    // Billing.
    await send("getBilling", { token: ownerToken, params: fixtures, expect: 200 });
    await send("setBilling", {
      token: ownerToken,
      params: fixtures,
      body: {
        contactEmail: "billing@acme.example.org",
        company: "Acme SAS",
        address: { line1: "1 rue de la Paix", city: "Paris", postalCode: "75002", country: "FR" },
      },
      expect: 200,
    });
    await send("getBilling", { token: ownerToken, params: fixtures, expect: 200 });

    // Webhooks: a public address (the node refuses private ones), turned off at once, so nothing is sent.
    const hook = await send("createWebhook", {
      token: ownerToken,
      params: fixtures,
      body: { url: "https://93.184.215.14/hook", events: ["member.*"], description: "tour" },
      expect: 201,
    });
    fixtures.webhookId = hook.body.webhook.id;
    await send("updateWebhook", { token: ownerToken, params: fixtures, body: { enabled: false }, expect: 200 });
    await send("createWebhook", {
      token: ownerToken,
      params: fixtures,
      body: { url: "https://127.0.0.1/hook", events: ["*"] },
      expect: 400,
    });
    await send("listWebhooks", { token: ownerToken, params: fixtures, expect: 200 });
    await send("getWebhook", { token: ownerToken, params: fixtures, expect: 200 });
    await send("listWebhookDeliveries", { token: ownerToken, params: fixtures, expect: 200 });
    await send("replayWebhook", { token: ownerToken, params: fixtures, body: { since: 1 }, expect: 200 });

    // Operations the tour above does not name: a GET whose path values are all known is tried.
    for (const { method, operation } of operationsOf(setup.document)) {
      const id = operation.operationId ?? "";
      if (method !== "get" || calls.some((c) => c.operationId === id)) continue;
      const names = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      if (names.every((n) => fixtures[n] !== undefined)) await op(id, { token: ownerToken, params: fixtures });
    }

    // Error cases for every operation of the document.
    for (const { operation } of operationsOf(setup.document)) {
      const id = operation.operationId ?? "";
      const pathNames = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      const secured = (operation.security ?? setup.document.security ?? []).length > 0;
      const known = Object.fromEntries(pathNames.map((n) => [n, fixtures[n] ?? randomUUID()]));
      const hasBody = operation.requestBody !== undefined;
      const body = goodBodies[id];
      if (secured) {
        // No token: the document requires one, so Prism must report the request.
        await op(id, { params: known, body, invalid: true, label: `${id} without a token` });
      }
      if (pathNames.length > 0) {
        // Ids that could exist but do not: a valid request, a 404.
        const unknown = Object.fromEntries(
          pathNames.map((n) => [n, n === "token" ? randomBytes(32).toString("base64url") : randomUUID()]),
        );
        await op(id, {
          token: ownerToken,
          params: unknown,
          body,
          invalid: hasBody && body === undefined,
          label: `${id} with unknown ids`,
        });
        // Values that cannot be ids: the document's patterns refuse them, the node answers 404.
        await op(id, {
          token: ownerToken,
          params: Object.fromEntries(pathNames.map((n) => [n, "not-an-id"])),
          body,
          invalid: true,
          label: `${id} with malformed ids`,
        });
      }
      if (hasBody) {
        await op(id, {
          token: ownerToken,
          params: known,
          body: { unexpected: true },
          invalid: true,
          label: `${id} with a body the schema refuses`,
        });
        await op(id, {
          token: ownerToken,
          params: known,
          raw: "name=Acme",
          contentType: "text/plain",
          invalid: true,
          label: `${id} with a text/plain body`,
        });
      }
    }

    // Limits: a body over BODY_LIMIT_BYTES (413), failed logins over LOGIN_MAX_FAILURES (429).
    const big = await op("createOrg", {
      token: ownerToken,
      body: { name: "x".repeat(BODY_LIMIT + 1) },
      invalid: true,
      label: "createOrg with a body over the limit",
    });
    expect(big.status).toBe(413);
    const limited = newEmail("limited");
    await send("signup", { body: { email: limited, password: PASSWORD, name: "Lim" }, expect: 201 });
    for (let i = 0; i < 2; i++)
      await send("login", { body: { email: limited, password: "wrong password" }, expect: 401 });
    const tooMany = await send("login", { body: { email: limited, password: "wrong password" }, expect: 429 });
    expect(Number(tooMany.headers.get("retry-after"))).toBeGreaterThan(0);

    // Deletions, last.
    await send("removeProjectMember", { token: ownerToken, params: memberIds(), expect: 204 });
    await send("deleteResource", { token: ownerToken, params: fixtures, expect: 204 });
    await send("deleteProject", { token: ownerToken, params: fixtures, expect: 204 });
    await send("revokeApiKey", { token: ownerToken, params: fixtures, expect: 204 });
    await send("deleteWebhook", { token: ownerToken, params: fixtures, expect: 204 });
    await send("getOrg", { token: key.body.secret, params: fixtures, expect: 401 });
    const other = await send("createInvitation", {
      token: ownerToken,
      params: fixtures,
      body: { email: newEmail("other"), role: "viewer" },
      expect: 201,
    });
    await send("revokeInvitation", {
      token: ownerToken,
      params: { ...fixtures, invitationId: other.body.id },
      expect: 204,
    });
    await send("removeMember", { token: ownerToken, params: fixtures, expect: 409 });
    await send("removeMember", { token: ownerToken, params: memberIds(), expect: 204 });
    await send("logout", { token: second.body.token, expect: 204 });
    await send("getMe", { token: second.body.token, expect: 401 });
    await send("deleteOrg", { token: ownerToken, params: fixtures, expect: 204 });
    await send("getOrg", { token: ownerToken, params: fixtures, expect: 404 });
  }, 180_000);

  it("got no answer that departs from the document, and only the requests sent invalid on purpose were refused", () => {
    expect(calls.length).toBeGreaterThan(0);
    console.log(`${calls.length} requests through prism, ${calls.filter((c) => c.invalid).length} invalid on purpose`);
    const describeCall = (c: Call) =>
      `${c.label} -> ${c.status}: ${c.violations.map((v) => `${v.location.join(".")} ${v.message}`).join("; ")}`;
    const responseViolations = calls.filter((c) => c.violations.some((v) => v.location[0] === "response"));
    expect(responseViolations.map(describeCall)).toEqual([]);
    const unexpectedRequestViolations = calls.filter(
      (c) => !c.invalid && c.violations.some((v) => v.location[0] === "request"),
    );
    expect(unexpectedRequestViolations.map(describeCall)).toEqual([]);
    // Each invalid request was reported: Prism does check requests against the document.
    const unreported = calls.filter((c) => c.invalid && !c.violations.some((v) => v.location[0] === "request"));
    expect(unreported.map(describeCall)).toEqual([]);
  });

  it("is checked by a Prism that reports answers departing from the document", async () => {
    // The same node behind a Prism given a document that is wrong about one answer: `ok` a string.
    const wrong = structuredClone(setup.document) as any;
    wrong.paths["/healthz"].get.responses["200"].content["application/json"].schema.properties.ok = { type: "string" };
    await writeFile(join(setup.dir, "wrong.json"), JSON.stringify(wrong));
    const strict = await startPrism(join(setup.dir, "wrong.json"), setup.node.url);
    try {
      const res = await fetch(`${strict.url}/healthz`);
      expect(res.status).toBe(200);
      expect(violationsOf(res)).toEqual([
        expect.objectContaining({ location: ["response", "body", "ok"], severity: "Error" }),
      ]);
    } finally {
      await strict.stop();
    }
  }, 90_000);

  it("covered every operation of the document with a success and an error", () => {
    const missing = operationsOf(setup.document).flatMap(({ method, path, operation }) => {
      const mine = calls.filter((c) => c.operationId === operation.operationId);
      const problems = [
        ...(mine.some((c) => c.status < 300 && !c.invalid) ? [] : ["no success"]),
        // The node's own routes (/healthz, /readyz, /openapi.json) have no client error to provoke.
        ...(mine.some((c) => c.status >= 400) || !path.startsWith("/v1/") ? [] : ["no error"]),
      ];
      return problems.length > 0 ? [`${method.toUpperCase()} ${path} (${operation.operationId}): ${problems}`] : [];
    });
    // An operation listed here needs cases in the tour above.
    expect(missing).toEqual([]);
  });
});
