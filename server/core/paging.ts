import { z } from "zod";
import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";
import type { Keyset } from "../db/keyset.js";
import { invalidRequest } from "./errors.js";

/** Opaque page cursors: base64url JSON of the last item's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, schema: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw invalidRequest("cursor is not one this API issued");
  }
}

export const pageQuery = z.object({
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

// Every list is ordered by (timestamp, uuid); a cursor that is not of that form is a 400, never a 500.
const keysetCursor = z.object({ at: z.iso.datetime(), id: z.string().regex(UUID_PATTERN) });

/** A list cursor: the (timestamp, id) of the last item of the page before. */
export function decodeKeyset(cursor: string | undefined): Keyset | undefined {
  const key = decodeCursor(cursor, keysetCursor);
  return key && { at: new Date(key.at), id: key.id };
}

export const keysetKey = (at: Date, id: string) => ({ at: at.toISOString(), id });

/** Takes limit+1 rows: the extra one only tells whether a next page exists. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  key: (row: R) => Record<string, string | number>,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
