import { type Compilable, CompiledQuery, type QueryCreator } from "kysely";
import type { Trx } from "../db/database.js";
import type { Database } from "../db/schema.js";
import type { EventRow } from "../db/tables/events.table.js";

/**
 * The statement that appends an event and moves the head, written out once rather than built by
 * Kysely on every mutation: its shape never changes, only its values, and building and compiling
 * it cost a tenth of a write's CPU. The domain's own change (when the write and its event go in
 * one statement) is still built by Kysely, and goes first: its parameters keep their numbers, the
 * append's follow them.
 */

/** The events columns the append writes, in the order of its parameters. */
const COLUMNS = [
  "id",
  "org_id",
  "seq",
  "type",
  "occurred_at",
  "actor_type",
  "actor_id",
  "actor_email",
  "project_id",
  "target_type",
  "target_id",
  "subject_user_id",
  "owner_only",
  "data",
  "context",
  "prev_hash",
  "hash",
] as const satisfies readonly (keyof EventRow)[];

export type AppendRow = { [C in (typeof COLUMNS)[number]]: unknown };

interface Texts {
  /** The statement without a change: the append and the head's move. */
  alone: string;
  /** With a change, the text before and after the change's own. */
  before: string;
  after: string;
}
const texts = new Map<string, Texts>();

/** The statement's texts for the append's parameters numbered from `offset + 1`. */
function textsFor(offset: number, movesAccess: boolean): Texts {
  const key = `${offset}:${movesAccess}`;
  const known = texts.get(key);
  if (known) return known;
  const $ = (column: (typeof COLUMNS)[number]) => `$${offset + COLUMNS.indexOf(column) + 1}`;
  const columns = COLUMNS.map((c) => `"${c}"`).join(", ");
  const appended = `insert into "events" (${columns}) values (${COLUMNS.map($).join(", ")}) returning "seq"`;
  const access = movesAccess ? `, "access_seq" = ${$("seq")}` : "";
  const move = `update "event_heads" set "seq" = ${$("seq")}, "hash" = ${$("hash")}${access} where "org_id" = ${$("org_id")} and exists (select "seq" from "appended")`;
  const made: Texts = {
    alone: `with "appended" as (${appended}) ${move}`,
    before: `with "change" as (`,
    after: `), "appended" as (${appended}), "moved" as (${move} returning "event_heads"."seq") select * from "change"`,
  };
  texts.set(key, made);
  return made;
}

/**
 * The append of `row` (and the head's move to its seq), after `change` when given, as one
 * statement; answers the rows `change` returned.
 */
export async function executeAppend<R>(
  trx: Trx,
  row: AppendRow,
  movesAccess: boolean,
  change?: (db: QueryCreator<Database>) => unknown,
): Promise<R[]> {
  const values = COLUMNS.map((c) => row[c]);
  if (!change) {
    await trx.executeQuery(CompiledQuery.raw(textsFor(0, movesAccess).alone, values));
    return [];
  }
  const compiled = (change(trx) as Compilable).compile();
  const { before, after } = textsFor(compiled.parameters.length, movesAccess);
  const result = await trx.executeQuery<R>(
    CompiledQuery.raw(`${before}${compiled.sql}${after}`, [...compiled.parameters, ...values]),
  );
  return result.rows;
}
