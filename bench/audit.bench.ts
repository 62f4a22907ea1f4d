/**
 * Issue 5's figures: audit page latency and export throughput at 10^4 and 10^6 entries, each
 * beside its baseline from the same run: a page at 10^6 against the same page at 10^4 (the ratio
 * shows the cost does not grow with the log), export rows/s against Postgres' own `COPY … TO
 * STDOUT` of the same rows, and the node's peak RSS during each export (flat = constant memory).
 * The query plans of the pages at 10^6 are written to bench/results/audit-plans.txt.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { sql } from "kysely";
import { insertSession, insertUser } from "../server/auth/auth.repository.js";
import { hashToken, newToken } from "../server/auth/tokens.js";
import { openDatabase } from "../server/db/database.js";
import { migrateToLatest } from "../server/db/migrate.js";
import { spawnNode } from "../test/support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "../test/support/services.js";
import { ratio, sleep, stats, writeResult } from "./support.js";

const SIZES = (process.env.BENCH_AUDIT_SIZES ?? "10000,1000000").split(",").map(Number);
const REQUESTS = Number(process.env.BENCH_AUDIT_REQUESTS ?? 100);
const TYPES = ["org.updated", "member.role_changed", "resource.created", "resource.updated", "project.updated"];
const ACTORS = Array.from({ length: 20 }, () => randomUUID());
const PROJECTS = Array.from({ length: 10 }, () => randomUUID());

type Db = Awaited<ReturnType<typeof openDatabase>>["db"];

/** Seeds an org with `n` log entries in one statement (the hash chain is not what is measured). */
async function seedOrg(db: Db, ownerId: string, n: number) {
  const orgId = randomUUID();
  await db
    .insertInto("orgs")
    .values({ id: orgId, name: `bench ${n}`, created_by: ownerId, settings: "{}" })
    .execute();
  await db.insertInto("memberships").values({ org_id: orgId, user_id: ownerId, role: "owner" }).execute();
  await sql`insert into events (id, org_id, seq, type, occurred_at, actor_type, actor_id, actor_email, project_id,
      target_type, target_id, subject_user_id, owner_only, data, context, prev_hash, hash)
    select gen_random_uuid(), ${orgId}, s, (${sql.lit(`{${TYPES.join(",")}}`)}::text[])[1 + s % 5],
      now() - make_interval(secs => (${n} - s) * 0.5), 'user',
      (${sql.lit(`{${ACTORS.join(",")}}`)}::text[])[1 + s % 20], 'actor@example.com',
      case when s % 5 >= 2 then (${sql.lit(`{${PROJECTS.join(",")}}`)}::uuid[])[1 + s % 10] end,
      'org', ${orgId}, null, false, jsonb_build_object('name', 'entry ' || s),
      jsonb_build_object('ip', '10.0.0.1', 'userAgent', 'bench', 'requestId', md5(s::text)),
      md5((s - 1)::text), md5(s::text)
    from generate_series(1, ${n}) as s`.execute(db);
  await db.insertInto("event_heads").values({ org_id: orgId, seq: n, hash: "" }).execute();
  await sql`analyze events`.execute(db);
  return orgId;
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
}

async function timePages(url: string, token: string, queries: string[]) {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}${queries[i % queries.length]}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    samples.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`audit page: ${res.status}`);
  }
  return stats(samples);
}

async function timeExport(url: string, token: string, pid: number, format: string) {
  const before = rssKb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKb(pid));
  }, 10);
  const t0 = performance.now();
  const res = await fetch(`${url}&format=${format}`, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  return {
    ms: Math.round(ms),
    lines,
    mb: Math.round(bytes / 1e4) / 100,
    rowsPerSec: Math.round((lines / ms) * 1000),
    rssBeforeMb: Math.round(before / 1024),
    rssPeakMb: Math.round(peak / 1024),
  };
}

function timeCopy(databaseUrl: string, orgId: string) {
  const t0 = performance.now();
  const out = execFileSync(
    "psql",
    [
      databaseUrl,
      "-qAtc",
      `\\copy (select * from events where org_id = '${orgId}' order by occurred_at, seq) to stdout csv`,
    ],
    {
      maxBuffer: 2 ** 31,
    },
  );
  const ms = performance.now() - t0;
  const lines = out.toString().split("\n").length - 1;
  return { ms: Math.round(ms), rowsPerSec: Math.round((lines / ms) * 1000) };
}

export async function runAuditBench() {
  const database = await createTestDatabase();
  const handle = await openDatabase({ DATABASE_URL: database.url, DATA_DIR: "" });
  try {
    await migrateToLatest(handle);
    const ownerId = randomUUID();
    const token = newToken();
    await insertUser(handle.db, {
      id: ownerId,
      email: `audit-bench-${ownerId}@example.com`,
      name: "o",
      passwordHash: "x",
    });
    await insertSession(handle.db, { id: randomUUID(), userId: ownerId, tokenHash: hashToken(token) });
    const orgs: Record<number, string> = {};
    for (const n of SIZES) {
      const t0 = performance.now();
      orgs[n] = await seedOrg(handle.db, ownerId, n);
      console.log(`seeded ${n} entries in ${Math.round(performance.now() - t0)} ms`);
    }
    const node = await spawnNode({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: uniquePrefix("audit-bench"),
      LOG_LEVEL: "error",
    });
    try {
      const pid = node.child.pid!;
      const result: Record<string, unknown> = { name: "audit", at: new Date().toISOString(), sizes: SIZES };
      const pages: Record<string, Record<number, ReturnType<typeof stats>>> = {};
      const exports: Record<string, Record<number, unknown>> = { ndjson: {}, csv: {}, copy: {} };
      for (const n of SIZES) {
        const base = `/v1/orgs/${orgs[n]}/audit-logs`;
        // A deep cursor: the middle of the log.
        const mid = await fetch(`${node.url}${base}?limit=500`, { headers: { authorization: `Bearer ${token}` } });
        const cursor = ((await mid.json()) as { nextCursor: string }).nextCursor;
        const span = n * 0.5 * 1000;
        const from = new Date(Date.now() - span * 0.6).toISOString();
        const to = new Date(Date.now() - span * 0.5).toISOString();
        const variants: Record<string, string[]> = {
          "first page": [`${base}?limit=50`],
          "deep page (cursor)": [`${base}?limit=50&cursor=${cursor}`],
          "actorId filter": ACTORS.slice(0, 5).map((a) => `${base}?limit=50&actorId=${a}`),
          "action prefix resource.*": [`${base}?limit=50&action=resource.*`],
          "projectId filter": PROJECTS.slice(0, 5).map((p) => `${base}?limit=50&projectId=${p}`),
          "time range": [`${base}?limit=50&from=${from}&to=${to}`],
        };
        for (const [label, queries] of Object.entries(variants)) {
          await timePages(node.url, token, queries.slice(0, 1)); // warm
          pages[label] = { ...pages[label], [n]: await timePages(node.url, token, queries) };
        }
        await sleep(200);
        for (const format of ["ndjson", "csv"]) {
          exports[format]![n] = await timeExport(`${node.url}${base}/export?x=1`, token, pid, format);
        }
        exports.copy![n] = timeCopy(database.url, orgs[n]!);
      }
      const [small, large] = [SIZES[0]!, SIZES.at(-1)!];
      const pageRows = Object.fromEntries(
        Object.entries(pages).map(([label, bySize]) => [
          `page: ${label}`,
          {
            [`p50 @${small}`]: bySize[small]!.p50,
            [`p99 @${small}`]: bySize[small]!.p99,
            [`p50 @${large}`]: bySize[large]!.p50,
            [`p99 @${large}`]: bySize[large]!.p99,
            "ratio p50": ratio(bySize[large]!.p50, bySize[small]!.p50),
          },
        ]),
      );
      const exportRows = Object.fromEntries(
        ["ndjson", "csv"].flatMap((format) =>
          SIZES.map((n) => {
            const e = exports[format]![n] as { rowsPerSec: number; rssBeforeMb: number; rssPeakMb: number; mb: number };
            const copy = exports.copy![n] as { rowsPerSec: number };
            return [
              `export ${format} @${n}`,
              {
                "rows/s": e.rowsPerSec,
                "COPY rows/s": copy.rowsPerSec,
                "ratio to COPY": ratio(e.rowsPerSec, copy.rowsPerSec),
                MB: e.mb,
                "RSS before MB": e.rssBeforeMb,
                "RSS peak MB": e.rssPeakMb,
              },
            ];
          }),
        ),
      );
      console.log(`\nAudit log, pages in ms (ratio = at ${large} / at ${small} entries)`);
      console.table(pageRows);
      console.log("Audit export (ratio = Orgwire rows/s / Postgres COPY rows/s of the same rows)");
      console.table(exportRows);
      Object.assign(result, { pages, exports });
      console.log(`written to ${writeResult("audit", result)}`);

      // The plans, at the largest size, for the note.
      const big = orgs[large]!;
      const plans: string[] = [];
      const explain = async (label: string, query: ReturnType<typeof sql>) => {
        const rows = await sql<{ "QUERY PLAN": string }>`explain (analyze, buffers, costs off) ${query}`.execute(
          handle.db,
        );
        plans.push(`-- ${label}\n${rows.rows.map((r) => r["QUERY PLAN"]).join("\n")}\n`);
      };
      await explain(
        "first page",
        sql`select * from events where org_id = ${big} order by occurred_at desc, seq desc limit 51`,
      );
      await explain(
        "actorId filter",
        sql`select * from events where org_id = ${big} and actor_id = ${ACTORS[0]} order by occurred_at desc, seq desc limit 51`,
      );
      await explain(
        "projectId filter",
        sql`select * from events where org_id = ${big} and project_id = ${PROJECTS[2]} order by occurred_at desc, seq desc limit 51`,
      );
      await explain(
        "action prefix resource.* (one ordered branch per type, merged)",
        sql`select * from ((select * from events where org_id = ${big} and type = 'resource.created' order by occurred_at desc, seq desc limit 51)
          union all (select * from events where org_id = ${big} and type = 'resource.updated' order by occurred_at desc, seq desc limit 51)
          union all (select * from events where org_id = ${big} and type = 'resource.deleted' order by occurred_at desc, seq desc limit 51)) as merged
          order by occurred_at desc, seq desc limit 51`,
      );
      await explain(
        "deep page",
        sql`select * from events where org_id = ${big} and (occurred_at, seq) < (now() - interval '3 days', ${Math.floor(large / 2)}) order by occurred_at desc, seq desc limit 51`,
      );
      const path = new URL("./results/audit-plans.txt", import.meta.url).pathname;
      writeFileSync(path, plans.join("\n"));
      console.log(`plans written to ${path}`);
      return result;
    } finally {
      await node.kill();
    }
  } finally {
    await handle.close();
    await database.drop();
  }
}
