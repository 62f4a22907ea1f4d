import type { SelectQueryBuilder, StringReference } from "kysely";

/** A position in a (timestamp, id) order: what list cursors encode. */
export interface Keyset {
  at: Date;
  id: string;
}

/**
 * The `limit` rows after `after` in (ts, id) order. A single row-value comparison, which an index
 * ending in (ts, id) serves, so every page costs the same however deep it is.
 */
export function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: readonly [StringReference<DB, TB>, StringReference<DB, TB>],
  page: { limit: number; after?: Keyset; newestFirst?: boolean },
): SelectQueryBuilder<DB, TB, O> {
  const [ts, id] = columns;
  const direction = page.newestFirst ? "desc" : "asc";
  const ordered = query.orderBy(ts, direction).orderBy(id, direction).limit(page.limit);
  const after = page.after;
  if (!after) return ordered;
  const past = page.newestFirst ? "<" : ">";
  // biome-ignore lint/suspicious/noExplicitAny: the tuple's value types depend on the columns chosen
  return ordered.where((eb) => eb(eb.refTuple(ts, id) as any, past, eb.tuple(after.at, after.id) as any));
}
