import type { z } from "zod";

/** What a request body accepts (before server-side defaults and trimming). */
export type Input<S extends z.ZodType> = z.input<S>;

/** Every list answer: one page and the cursor of the next (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A page of the event log: the cursor is the next page's `since` (a seq), or null at the end. */
export interface EventPage<E> {
  items: E[];
  nextCursor: number | null;
}

export interface PageQuery {
  cursor?: string;
  /** 1..500, default 50. */
  limit?: number;
}
