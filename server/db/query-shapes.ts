import {
  type Compilable,
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from "kysely";
import type { Database } from "./schema.js";

/** Builds and compiles only (Kysely's "cold" instance): shapes never run through it. */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** Stands in for a value while a shape is compiled; never sent to Postgres. */
const MARK = "\u0000shape:";

/**
 * A query whose SQL depends only on which variant is asked for, never on its values: Kysely builds
 * and compiles it once per variant, with marks in place of the values, and every later call sends
 * the same SQL with its own values where the marks were. Building and compiling a statement of a
 * few joins costs about 40 µs of CPU each time; a write takes about a millisecond in all.
 *
 * `build` must not branch on the values it is given (only on `variant`): each value has to reach
 * the query as a parameter. A value that is missing from the compiled parameters is an error at
 * the first call, so a builder that swallows one is caught by any test that runs it.
 */
export function queryShape<V extends Record<string, unknown>>(
  names: readonly (keyof V & string)[],
  build: (db: Kysely<Database>, values: V, variant: string) => Compilable,
): (values: V, variant?: string) => CompiledQuery {
  const shapes = new Map<string, { sql: string; slots: ({ name: string } | { constant: unknown })[] }>();
  return (values, variant = "") => {
    let shape = shapes.get(variant);
    if (!shape) {
      const marks = Object.fromEntries(names.map((name) => [name, `${MARK}${name}`])) as V;
      const compiled = build(compiler, marks, variant).compile();
      const slots = compiled.parameters.map((p) =>
        typeof p === "string" && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { constant: p },
      );
      for (const name of names) {
        if (!slots.some((s) => "name" in s && s.name === name))
          throw new Error(`query shape: ${name} is not a parameter`);
      }
      shape = { sql: compiled.sql, slots };
      shapes.set(variant, shape);
    }
    return CompiledQuery.raw(
      shape.sql,
      shape.slots.map((s) => ("name" in s ? values[s.name] : s.constant)),
    );
  };
}
