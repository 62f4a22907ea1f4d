import { z } from "zod";

/**
 * 8-4-4-4-12 hex, any case (the contract's definition; looser than RFC 4122 on purpose). Spelled
 * out instead of an `i` flag: the pattern is published in /openapi.json, where JSON Schema has no
 * flags (and the generator would leak a trailing `/i` into the pattern text).
 */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const uuid = z.string().regex(UUID_PATTERN, "must be a UUID");

/**
 * In unicode mode a surrogate pair is one code point, so this matches only a lone surrogate: what
 * a JSON `"\ud800"` escape parses into. It is not text (no UTF-8 for it): jsonb refuses it and text
 * columns would keep U+FFFD instead.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A string Postgres can store: text columns and jsonb refuse NUL bytes and lone surrogates. */
export const text = (max = 10_000) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL bytes")
    .refine((s) => !LONE_SURROGATE.test(s), "must be valid Unicode (a lone surrogate is not)");

export const name = text(200).trim().min(1, "must not be empty");
export const email = text(320).trim().toLowerCase().pipe(z.email());
export const isoDate = z.iso.datetime({ offset: true });

/** Any JSON value without NUL bytes in its strings, for free-form payloads. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([text(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(text(200), jsonValue)]),
);
