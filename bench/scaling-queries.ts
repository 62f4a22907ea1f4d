/**
 * The scaling bench's measurements on Postgres itself (./scaling.bench.ts): the head poll's query
 * at a given number of orgs, and what one event row costs on disk.
 */
import type pg from "pg";
import { round } from "./scaling-support.js";

const HEADS_SQL = "select org_id, seq from event_heads where org_id = any($1::uuid[])";

/** The head poll's query for `ids`: median round trip of 7 from a pg client, and its plan. */
export async function timeHeadsQuery(admin: pg.Client, ids: string[]) {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    await admin.query(HEADS_SQL, [ids]);
    times.push(performance.now() - t);
  }
  const plan = (await admin.query(`explain (analyze, buffers, format json) ${HEADS_SQL}`, [ids])).rows[0][
    "QUERY PLAN"
  ][0];
  return {
    ids: ids.length,
    roundTripMsMedian: round(times.sort((a, b) => a - b)[3]!, 2),
    executionMs: round(plan["Execution Time"], 2),
    planningMs: round(plan["Planning Time"], 2),
    plan: `${plan.Plan["Node Type"]}${plan.Plan["Index Name"] ? ` on ${plan.Plan["Index Name"]}` : ""}`,
    sharedHitBlocks: plan.Plan["Shared Hit Blocks"],
  };
}

/**
 * The same query at 50k ids: `extra` heads inserted straight into event_heads (FK triggers off),
 * timed, then removed. Undefined when the bench created 50k orgs or more itself.
 */
export async function timeAt50kHeads(admin: pg.Client, extra: number) {
  if (extra <= 0) return undefined;
  await admin.query("set session_replication_role = replica");
  await admin.query(
    "insert into event_heads (org_id, seq, hash) select gen_random_uuid(), 1, 'x' from generate_series(1, $1)",
    [extra],
  );
  await admin.query("set session_replication_role = origin");
  await admin.query("analyze event_heads");
  const ids = (await admin.query("select org_id from event_heads")).rows.map((r) => r.org_id as string);
  const timed = await timeHeadsQuery(admin, ids.slice(0, 50_000));
  await admin.query("set session_replication_role = replica");
  await admin.query("delete from event_heads where hash = 'x'");
  await admin.query("set session_replication_role = origin");
  return timed;
}

/** Bytes per event row after the bench: the table with TOAST and indexes, and the rows alone. */
export async function eventRowSizes(admin: pg.Client) {
  const size = (
    await admin.query(
      `select pg_total_relation_size('events') as total, pg_relation_size('events') as heap, pg_indexes_size('events') as indexes,
              (select count(*) from events) as n, (select avg(pg_column_size(e.*)) from events e) as avg_row,
              (select avg(pg_column_size(e.*)) from events e where type = 'org.updated') as avg_updated,
              (select count(*) from events where type = 'org.updated') as n_updated`,
    )
  ).rows[0];
  return {
    method:
      "pg_total_relation_size('events') / count(*) after the bench (heap + TOAST + indexes), and avg(pg_column_size(row))",
    rows: Number(size.n),
    totalBytes: Number(size.total),
    heapBytes: Number(size.heap),
    indexBytes: Number(size.indexes),
    bytesPerRowTotal: Math.round(Number(size.total) / Number(size.n)),
    avgRowBytes: Math.round(Number(size.avg_row)),
    avgOrgUpdatedRowBytes: Math.round(Number(size.avg_updated)),
    orgUpdatedRows: Number(size.n_updated),
    indexes: (await admin.query("select indexname from pg_indexes where tablename = 'events'")).rows.map(
      (r) => r.indexname as string,
    ),
  };
}
