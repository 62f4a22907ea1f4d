/**
 * Security regression: bad input never reaches a 5xx and never changes stored state. Each route
 * gets malformed JSON, wrong types, missing fields, oversize strings and bodies, NUL bytes,
 * invalid ids and unknown roles; every answer must be a 4xx with the error envelope.
 */
import { describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;

const MB_STRING = "x".repeat(1_000_000);
const crafted = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const OVER_LIMIT = JSON.stringify({ name: "y".repeat(1024 * 1024 + 10) });

interface Probe {
  label: string;
  raw?: string;
  body?: unknown;
  contentType?: string;
}

/** The probes every JSON route gets, given one valid body to distort. */
function probesFor(valid: Record<string, unknown>): Probe[] {
  const firstKey = Object.keys(valid)[0]!;
  return [
    { label: "malformed JSON", raw: '{"name": "unterminated' },
    { label: "not an object", raw: "[1,2,3]" },
    { label: "JSON null", raw: "null" },
    { label: "empty body", raw: "" },
    { label: "wrong types", body: Object.fromEntries(Object.keys(valid).map((k) => [k, 12345])) },
    { label: "missing fields", body: {} },
    { label: "1 MB string", body: { ...valid, [firstKey]: MB_STRING } },
    { label: "NUL byte", body: { ...valid, [firstKey]: "bad\u0000value" } },
    { label: "unknown key", body: { ...valid, admin: true } },
    { label: "text/plain body", raw: JSON.stringify(valid), contentType: "text/plain" },
    { label: "over 1 MiB", raw: OVER_LIMIT },
  ];
}

async function snapshot() {
  const db = node().db;
  const count = async (
    table: "users" | "sessions" | "orgs" | "memberships" | "events" | "invitations" | "api_keys" | "billing_profiles",
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    users: await count("users"),
    sessions: await count("sessions"),
    orgs: await db.selectFrom("orgs").select(["id", "name", "settings", "deleted_at"]).orderBy("id").execute(),
    memberships: await db.selectFrom("memberships").select(["org_id", "user_id", "role"]).orderBy("user_id").execute(),
    events: await count("events"),
    invitations: await count("invitations"),
    apiKeys: await count("api_keys"),
    billingProfiles: await count("billing_profiles"),
    projects: await db.selectFrom("projects").select(["id", "name"]).orderBy("id").execute(),
    resources: await db.selectFrom("resources").select(["id", "name", "config"]).orderBy("id").execute(),
  };
}

function expectEnvelope(res: { status: number; body: any }, label: string) {
  expect(res.status, `${label}: ${JSON.stringify(res.body)?.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
  expect(typeof res.body?.error?.code, label).toBe("string");
  expect(typeof res.body?.error?.message, label).toBe("string");
}

describe("bad input", () => {
  it("is refused with a 4xx envelope on every route, and changes nothing", async () => {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token);
    const member = await signup(node(), "member");
    await addMember(node().db, org.id, member.user.id, "viewer");
    const project = (
      await call(node(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } })
    ).body.id;
    const P = `/v1/orgs/${org.id}/projects/${project}`;
    const resource = (
      await call(node(), "POST", `${P}/resources`, { token: owner.token, body: { type: "vps", name: "v" } })
    ).body.id;

    const routes: { method: string; path: string; valid?: Record<string, unknown> }[] = [
      {
        method: "POST",
        path: "/v1/auth/signup",
        valid: { email: "new@example.com", password: "long enough pw", name: "N" },
      },
      { method: "POST", path: "/v1/auth/login", valid: { email: owner.email, password: "correct horse battery" } },
      { method: "POST", path: "/v1/orgs", valid: { name: "Org" } },
      { method: "PATCH", path: `/v1/orgs/${org.id}`, valid: { name: "Renamed" } },
      { method: "PATCH", path: `/v1/orgs/${org.id}/members/${member.user.id}`, valid: { role: "editor" } },
      { method: "POST", path: `/v1/orgs/${org.id}/api-keys`, valid: { name: "k", role: "viewer" } },
      { method: "PUT", path: `/v1/orgs/${org.id}/billing`, valid: { contactEmail: "b@example.com" } },
      { method: "POST", path: `/v1/orgs/${org.id}/projects`, valid: { name: "P2" } },
      { method: "PATCH", path: P, valid: { name: "P3" } },
      { method: "PUT", path: `${P}/members/${member.user.id}`, valid: { role: "viewer" } },
      { method: "POST", path: `${P}/resources`, valid: { type: "vps", name: "v2" } },
      { method: "PATCH", path: `${P}/resources/${resource}`, valid: { name: "v3" } },
      {
        method: "POST",
        path: `/v1/orgs/${org.id}/invitations`,
        valid: { email: "new-member@example.com", role: "viewer" },
      },
    ];
    const before = await snapshot();
    for (const route of routes) {
      for (const probe of probesFor(route.valid ?? {})) {
        const headers: Record<string, string> = { "content-type": probe.contentType ?? "application/json" };
        const res = await call(node(), route.method, route.path, {
          token: owner.token,
          raw: probe.raw ?? JSON.stringify(probe.body),
          headers,
        });
        expectEnvelope(res, `${route.method} ${route.path} ${probe.label}`);
      }
    }
    const extra: [string, string, unknown?][] = [
      ["PATCH", `/v1/orgs/${org.id}/members/${member.user.id}`, { role: "superuser" }],
      ["PATCH", `/v1/orgs/${org.id}/members/${member.user.id}`, { role: "Owner" }],
      ["PATCH", `/v1/orgs/${org.id}`, { settings: { authentication: { allowedEmailDomains: ["not a domain"] } } }],
      ["PATCH", `/v1/orgs/${org.id}`, { settings: { preferences: { language: "xx" } } }],
      ["PATCH", `/v1/orgs/${org.id}`, { settings: { unknown: {} } }],
      ["PATCH", `/v1/orgs/${org.id}`, { name: "" }],
      ["PATCH", `/v1/orgs/${org.id}`, { name: "   " }],
      ["PATCH", "/v1/orgs/not-a-uuid", { name: "x" }],
      ["DELETE", "/v1/orgs/not-a-uuid"],
      ["GET", "/v1/orgs/12345678-1234-1234-1234-1234567890ag"],
      ["PATCH", `/v1/orgs/${org.id}/members/not-a-uuid`, { role: "viewer" }],
      ["DELETE", `/v1/orgs/${org.id}/members/00000000-0000-0000-0000-00000000000g`],
      ["DELETE", `/v1/orgs/${org.id}/members/00000000-0000-0000-0000-000000000000`],
      ["GET", `/v1/orgs/${org.id}/events?since=abc`],
      ["GET", `/v1/orgs/${org.id}/events?limit=100000`],
      ["GET", `/v1/orgs/${org.id}/members?limit=-1`],
      ["GET", `/v1/orgs?cursor=${"%00".repeat(10)}`],
      // Cursors of the right encoding but the wrong content.
      ["GET", `/v1/orgs?cursor=${crafted({ at: "2026-01-01T00:00:00.000Z", id: "not-a-uuid" })}`],
      ["GET", `/v1/orgs/${org.id}/members?cursor=${crafted({ at: "yesterday", id: org.id })}`],
      ["GET", `${P}/resources?cursor=${crafted({ at: "2026-01-01T00:00:00.000Z" })}`],
      ["GET", `/v1/orgs/${org.id}/audit-logs?cursor=${crafted({ t: "abc", s: 1 })}`],
      ["GET", `/v1/orgs/${org.id}/audit-logs?cursor=${crafted({ t: "2026-01-01T00:00:00.000Z", s: 1e300 })}`],
      ["GET", `/v1/orgs/${org.id}/audit-logs?actorId=${"a".repeat(101)}`],
      ["GET", `/v1/orgs/${org.id}/audit-logs?actorId=%00`],
      ["GET", `/v1/orgs/${org.id}/audit-logs/export?format=csv&actorId=a%00b`],
      ["POST", `/v1/orgs/${org.id}`],
      ["PUT", `/v1/orgs/${org.id}/members`],
      ["GET", "/v1/nowhere"],
      ["POST", `/v1/orgs/${org.id}/api-keys`, { name: "k", role: "guest" }],
      ["POST", `/v1/orgs/${org.id}/api-keys`, { name: "k", role: "viewer", expiresAt: "yesterday" }],
      [
        "PUT",
        `/v1/orgs/${org.id}/billing`,
        { contactEmail: "b@example.com", address: { line1: "x", city: "y", postalCode: "1", country: "FRA" } },
      ],
      ["POST", `${P}/resources`, { type: "mainframe", name: "x" }],
      ["POST", `${P}/resources`, { type: "vps", name: "x", config: { region: "mars" } }],
      ["POST", `${P}/resources`, { type: "domain", name: "x", config: { fqdn: "-bad-.com" } }],
      ["POST", `${P}/resources`, { type: "hosting", name: "x", config: { plan: "pro", extra: true } }],
      ["PATCH", `${P}/resources/${resource}`, { config: { plan: "xxl" } }],
      ["PATCH", `${P}/resources/not-a-uuid`, { name: "x" }],
      ["DELETE", `${P}/resources/00000000-0000-0000-0000-000000000000`],
      ["PUT", `${P}/members/${member.user.id}`, { role: "owner" }],
      ["PUT", `${P}/members/00000000-0000-0000-0000-000000000000`, { role: "viewer" }],
      ["DELETE", `${P}/members/${owner.user.id}`],
      ["GET", `/v1/orgs/${org.id}/projects/not-a-uuid`],
      ["DELETE", `/v1/orgs/${org.id}/projects/00000000-0000-0000-0000-000000000000`],
      ["POST", `/v1/orgs/${org.id}/invitations`, { email: "x@example.com", role: "guest" }],
      [
        "POST",
        `/v1/orgs/${org.id}/invitations`,
        { email: "x@example.com", role: "guest", projects: [{ projectId: project, role: "owner" }] },
      ],
      [
        "POST",
        `/v1/orgs/${org.id}/invitations`,
        {
          email: "x@example.com",
          role: "viewer",
          projects: [{ projectId: "00000000-0000-0000-0000-000000000000", role: "viewer" }],
        },
      ],
      ["POST", `/v1/orgs/${org.id}/invitations`, { email: "not-an-email", role: "viewer" }],
      ["GET", "/v1/invitations/short"],
      ["GET", `/v1/invitations/${"A".repeat(43)}`],
      ["POST", `/v1/invitations/${"A".repeat(43)}/accept`],
      ["DELETE", `/v1/orgs/${org.id}/invitations/00000000-0000-0000-0000-000000000000`],
      ["POST", `/v1/orgs/${org.id}/invitations/not-a-uuid/resend`],
    ];
    for (const [method, path, body] of extra) {
      const res = await call(node(), method, path, { token: owner.token, body });
      expectEnvelope(res, `${method} ${path} ${JSON.stringify(body)}`);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("a lone UTF-16 surrogate in any string is 400 (never 500, never stored as U+FFFD)", async () => {
    const owner = await signup(node(), "surrogate");
    const org = await createOrg(node(), owner.token);
    const project = (
      await call(node(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } })
    ).body.id;
    const P = `/v1/orgs/${org.id}/projects/${project}`;
    const resource = (
      await call(node(), "POST", `${P}/resources`, { token: owner.token, body: { type: "vps", name: "v" } })
    ).body.id;
    // JSON.stringify writes a lone surrogate as the escape `"\ud800"`, which JSON.parse reads back
    // into one: exactly what a client sending that escape gets into the server.
    const hi = "\ud800";
    const lo = "\udfff";
    const probes: [string, string, unknown?][] = [
      ["POST", "/v1/auth/signup", { email: "s@example.com", password: "long enough pw", name: hi }],
      ["POST", "/v1/auth/signup", { email: `s${hi}@example.com`, password: "long enough pw", name: "S" }],
      ["POST", "/v1/orgs", { name: hi }],
      ["POST", "/v1/orgs", { name: `Acme ${lo}` }],
      ["PATCH", `/v1/orgs/${org.id}`, { name: `x${hi}y` }],
      ["PATCH", `/v1/orgs/${org.id}`, { settings: { preferences: { timezone: hi } } }],
      ["POST", `/v1/orgs/${org.id}/invitations`, { email: `m${hi}@example.com`, role: "viewer" }],
      ["PUT", `/v1/orgs/${org.id}/billing`, { contactEmail: "b@example.com", company: hi }],
      ["POST", `/v1/orgs/${org.id}/api-keys`, { name: hi, role: "viewer" }],
      ["POST", `/v1/orgs/${org.id}/projects`, { name: `a${lo}` }],
      ["PATCH", P, { name: hi }],
      ["POST", `${P}/resources`, { type: "vps", name: hi }],
      ["PATCH", `${P}/resources/${resource}`, { name: hi }],
      ["PATCH", `${P}/resources/${resource}`, { config: { sshKeys: [`ssh-ed25519 ${hi}`] } }],
      // A query cannot carry a lone surrogate itself, only its UTF-8-like bytes, which are not UTF-8.
      ["GET", `/v1/orgs/${org.id}/audit-logs?actorId=%ED%A0%80`],
      ["GET", `/v1/orgs/${org.id}/audit-logs/export?format=csv&actorId=%ED%A0%80`],
      ["GET", `/v1/orgs/${org.id}/audit-logs/export?format=ndjson&actorId=100%`],
    ];
    const before = await snapshot();
    for (const [method, path, body] of probes) {
      const res = await call(node(), method, path, { token: owner.token, body });
      const label = `${method} ${path} ${JSON.stringify(body)}`;
      expect([res.status, res.body?.error?.code], `${label}: ${JSON.stringify(res.body)}`).toEqual([
        400,
        "invalid_request",
      ]);
    }
    expect(await snapshot()).toEqual(before);

    // A surrogate pair is one character and welcome.
    const emoji = await call(node(), "POST", "/v1/orgs", { token: owner.token, body: { name: "Acme \ud83d\ude80" } });
    expect([emoji.status, emoji.body.name]).toEqual([201, "Acme 🚀"]);
  });

  it("maps the classic cases to the contract's codes", async () => {
    const owner = await signup(node(), "codes");
    const org = await createOrg(node(), owner.token);
    const cases: [string, string, { raw?: string; ct?: string; body?: unknown }, number, string][] = [
      ["PATCH", `/v1/orgs/${org.id}`, { raw: "{oops" }, 400, "invalid_request"],
      ["PATCH", `/v1/orgs/${org.id}`, { raw: OVER_LIMIT }, 413, "payload_too_large"],
      ["PATCH", `/v1/orgs/${org.id}`, { raw: '{"name":"x"}', ct: "text/plain" }, 415, "unsupported_media_type"],
      ["PATCH", "/v1/orgs/nope", { body: { name: "x" } }, 404, "not_found"],
      ["PUT", `/v1/orgs/${org.id}`, {}, 405, "method_not_allowed"],
    ];
    for (const [method, path, opts, status, code] of cases) {
      const res = await call(node(), method, path, {
        token: owner.token,
        raw: opts.raw,
        body: opts.body,
        headers: opts.raw !== undefined ? { "content-type": opts.ct ?? "application/json" } : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
  });

  it("answers 404, then 403, before any input error, also where only the locked check runs for valid input", async () => {
    const owner = await signup(node(), "order-owner");
    const viewer = await signup(node(), "order-viewer");
    const outsider = await signup(node(), "order-outsider");
    const org = await createOrg(node(), owner.token);
    await addMember(node().db, org.id, viewer.user.id, "viewer");
    const project = (
      await call(node(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } })
    ).body.id as string;
    const resource = (
      await call(node(), "POST", `/v1/orgs/${org.id}/projects/${project}/resources`, {
        token: owner.token,
        body: { type: "vps", name: "vm" },
      })
    ).body.id as string;
    const routes: [string, string, unknown][] = [
      ["PATCH", `/v1/orgs/${org.id}`, { name: "" }],
      ["POST", `/v1/orgs/${org.id}/projects/${project}/resources`, { type: "nope" }],
      ["PATCH", `/v1/orgs/${org.id}/projects/${project}/resources/${resource}`, { name: 7 }],
      ["PATCH", `/v1/orgs/${org.id}/projects/${project}/resources/not-an-id`, { name: "x" }],
    ];
    const before = await snapshot();
    for (const [method, path, invalid] of routes) {
      const as = (token: string, opts: { body?: unknown; raw?: string; ct?: string }) =>
        call(node(), method, path, {
          token,
          body: opts.body,
          raw: opts.raw,
          headers: opts.raw !== undefined ? { "content-type": opts.ct ?? "application/json" } : undefined,
        });
      const label = `${method} ${path}`;
      expect((await as(outsider.token, { body: invalid })).status, label).toBe(404);
      expect((await as(outsider.token, { raw: "{oops" })).status, label).toBe(404);
      expect((await as(outsider.token, { raw: '{"name":"x"}', ct: "text/plain" })).status, label).toBe(404);
      expect((await as(viewer.token, { body: invalid })).status, label).toBe(403);
      expect((await as(viewer.token, { raw: "{oops" })).status, label).toBe(403);
      const own = (await as(owner.token, { body: invalid })).status;
      expect(own, label).toBe(path.endsWith("not-an-id") ? 404 : 400);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("closes the connection on an oversize body without reading it", async () => {
    const owner = await signup(node(), "big");
    const org = await createOrg(node(), owner.token);
    const res = await fetch(`${node().url}/v1/orgs/${org.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
      body: OVER_LIMIT,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
  });

  it("counts a chunked body (no Content-Length) as it streams: 413 past the limit, read in full under it", async () => {
    const owner = await signup(node(), "chunked");
    const org = await createOrg(node(), owner.token);
    const chunked = (text: string) =>
      fetch(`${node().url}/v1/orgs/${org.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
        body: new ReadableStream({
          start(controller) {
            const bytes = new TextEncoder().encode(text);
            for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.subarray(i, i + 256));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
    const big = await chunked(OVER_LIMIT);
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("payload_too_large");
    const small = await chunked(JSON.stringify({ name: "Chunked & fine" }));
    expect(small.status).toBe(200);
    expect((await small.json()).name).toBe("Chunked & fine");
  });
});
