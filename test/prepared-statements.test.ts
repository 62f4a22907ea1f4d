import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparingStatements } from "../server/db/prepared-statements.js";
import { createTestDatabase } from "./support/services.js";

/**
 * Named prepared statements on the real Postgres: which texts get prepared, the bound on how many,
 * and recovery when a migration changes a table's columns under a prepared `select *`.
 */

interface Db {
  things: { id: number; label: string };
}

let database: { url: string; drop: () => Promise<void> };
let pool: pg.Pool;
let db: Kysely<Db>;

beforeAll(async () => {
  database = await createTestDatabase();
  // One connection, so every query below runs on the backend whose statements are inspected.
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
  db = new Kysely<Db>({ dialect: new PostgresDialect({ pool: preparingStatements(pool, { maxNamed: 3 }) }) });
  await sql`create table things (id int primary key, label text not null)`.execute(db);
  await sql`insert into things values (1, 'one'), (2, 'two')`.execute(db);
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

const prepared = async () =>
  (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db)).rows;

const byId = (id: number) => db.selectFrom("things").select(["id", "label"]).where("id", "=", id).executeTakeFirst();

describe("preparingStatements", () => {
  it("prepares a text on its third use, once per connection, and answers the same rows", async () => {
    expect(await byId(1)).toEqual({ id: 1, label: "one" });
    expect(await byId(2)).toEqual({ id: 2, label: "two" });
    expect((await prepared()).filter((p) => p.statement.includes("things"))).toEqual([]);
    for (let i = 0; i < 5; i++) expect(await byId(1)).toEqual({ id: 1, label: "one" });
    const named = (await prepared()).filter((p) => p.statement.includes("things"));
    expect(named).toHaveLength(1);
    expect(named[0]?.name).toMatch(/^ow_/);
    // Short transaction control is never named.
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom("things").select("id").where("id", "=", 2).execute();
    });
    expect((await prepared()).some((p) => /^(begin|commit)/i.test(p.statement))).toBe(false);
  });

  it("names at most maxNamed texts: texts that vary with their input stay unnamed past it", async () => {
    for (let n = 1; n <= 6; n++) {
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      for (let i = 0; i < 4; i++) await db.selectFrom("things").select("id").where("id", "in", ids).execute();
    }
    // The first test's statement and two of the six `in` lists: three names, no more.
    expect((await prepared()).filter((p) => p.name.startsWith("ow_"))).toHaveLength(3);
  });

  it("a column added under a prepared select * fails one run, then the text is prepared afresh", async () => {
    const own = new pg.Pool({ connectionString: database.url, max: 1 });
    const fresh = new Kysely<Db>({
      dialect: new PostgresDialect({ pool: preparingStatements(own, { minLength: 0 }) }),
    });
    try {
      const all = () => fresh.selectFrom("things").selectAll().where("id", "=", 1).executeTakeFirst();
      for (let i = 0; i < 4; i++) expect(await all()).toEqual({ id: 1, label: "one" });
      await sql`alter table things add column note text not null default 'n'`.execute(fresh);
      // Postgres refuses the statement prepared for the old columns ("cached plan must not change
      // result type"); a plain named statement would keep failing on this connection.
      await expect(all()).rejects.toMatchObject({ code: "0A000" });
      expect(await all()).toEqual({ id: 1, label: "one", note: "n" });
      expect(await all()).toEqual({ id: 1, label: "one", note: "n" });
    } finally {
      await fresh.destroy();
    }
  });
});
