/**
 * The embedded database's Kysely dialect (server/db/pglite-dialect.ts): PGlite is one connection,
 * so a transaction must hold it alone. Work outside a transaction waits for it instead of running
 * inside it, concurrent transactions do not lose each other's updates, and commit and rollback
 * (also with an isolation level asked for) do what they say.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../server/db/database.js";
import { sleep } from "./support/sockets.js";

let dir: string;
let handle: DatabaseHandle;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orgwire-pglite-"));
  handle = await openDatabase({ DATA_DIR: dir, DATABASE_URL: undefined });
  expect(handle.kind).toBe("pglite");
  await sql`create table counters (id int primary key, n int not null)`.execute(handle.db);
  await sql`insert into counters values (1, 0)`.execute(handle.db);
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await rm(dir, { recursive: true, force: true });
});

const count = async () => (await sql<{ n: number }>`select n from counters where id = 1`.execute(handle.db)).rows[0]?.n;

describe("the PGlite dialect", () => {
  it("commits, and rolls back when the transaction throws", async () => {
    await handle.db.transaction().execute(async (trx) => {
      await sql`update counters set n = 5 where id = 1`.execute(trx);
    });
    expect(await count()).toBe(5);
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await sql`update counters set n = 6 where id = 1`.execute(trx);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await count()).toBe(5);
  });

  it("makes work outside a transaction wait for it, instead of seeing its uncommitted changes", async () => {
    let outside: number | undefined;
    const tx = handle.db.transaction().execute(async (trx) => {
      await sql`update counters set n = 100 where id = 1`.execute(trx);
      // Asked while the transaction is open; on a shared connection it would read 100.
      const reading = count().then((n) => {
        outside = n;
      });
      await sleep(100);
      expect(outside).toBeUndefined();
      throw Object.assign(new Error("roll back"), { reading });
    });
    const error = (await tx.catch((e) => e)) as Error & { reading: Promise<void> };
    await error.reading;
    expect(outside).toBe(5);
  });

  it("runs concurrent transactions one after the other: no update is lost", async () => {
    const increment = () =>
      handle.db
        .transaction()
        .setIsolationLevel("repeatable read")
        .execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`select n from counters where id = 1`.execute(trx);
          await sleep(10);
          await sql`update counters set n = ${(rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
        });
    await Promise.all(Array.from({ length: 10 }, increment));
    expect(await count()).toBe(15);
  });
});
