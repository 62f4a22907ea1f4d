import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { queryShape } from "../server/db/query-shapes.js";

/** A shape sends the SQL and parameters Kysely would have built for the same values. */
describe("queryShape", () => {
  const build = (db: Parameters<Parameters<typeof queryShape>[1]>[0], v: { org: string; user: string | null }) =>
    db
      .selectFrom("memberships")
      .select(["role", sql<boolean>`${v.user} is null`.as("anonymous")])
      .where("org_id", "=", v.org)
      .where("user_id", "=", v.user)
      .where("role", "!=", "guest");

  it("puts each call's values where the builder put them, for each variant", () => {
    const shape = queryShape<{ org: string; user: string | null }>(["org", "user"], (db, v, variant) =>
      variant === "owners" ? build(db, v).where("role", "=", "owner") : build(db, v),
    );
    for (const values of [
      { org: "o1", user: "u1" },
      { org: "o2", user: null },
    ]) {
      const plain = shape(values);
      expect(plain.sql).toBe(
        'select "role", $1 is null as "anonymous" from "memberships" where "org_id" = $2 and "user_id" = $3 and "role" != $4',
      );
      // Constants the builder wrote stay as they were.
      expect(plain.parameters).toEqual([values.user, values.org, values.user, "guest"]);
      const owners = shape(values, "owners");
      expect(owners.sql).toBe(`${plain.sql} and "role" = $5`);
      expect(owners.parameters).toEqual([values.user, values.org, values.user, "guest", "owner"]);
    }
  });

  it("refuses a builder that leaves a value out of the parameters", () => {
    const shape = queryShape<{ org: string; user: string }>(["org", "user"], (db, v) =>
      db.selectFrom("memberships").select("role").where("org_id", "=", v.org),
    );
    expect(() => shape({ org: "o", user: "u" })).toThrow(/user is not a parameter/);
  });
});
