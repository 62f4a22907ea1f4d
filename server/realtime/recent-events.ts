import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import { type FullEvent, projectEvent } from "../events/event-log.repository.js";
import { audienceRooms } from "./rooms.js";

/** An applied event with what its broadcasts send: computed once, shared by every socket. */
export interface Delivery {
  seq: number;
  /** The audit room's envelope (with `context` and `hash`). */
  full: OrgEvent;
  /** Everyone else's envelope. */
  stripped: OrgEvent;
  /** The rooms that receive `stripped`. */
  audience: string[];
  /** When it entered the window (ms since the epoch). */
  at: number;
}

export function deliveryOf(event: FullEvent, at = Date.now()): Delivery {
  return {
    seq: event.seq,
    full: projectEvent(event, true),
    stripped: projectEvent(event, false),
    audience: audienceRooms(event),
    at,
  };
}

/** How many of an org's latest events a node keeps, and for how long. */
export const RECENT_MAX_EVENTS = 1_000;
export const RECENT_MAX_AGE_MS = 60_000;

/**
 * The latest events a stream applied, contiguous by seq and ending at the stream's cursor. A
 * socket that resumes with a recent `since` (the whole org after a node died) is replayed from
 * here, not from Postgres. Bounded by count per org and by age, so a node holds at most what its
 * orgs committed in the last minute.
 */
export class RecentEvents {
  #entries: Delivery[] = [];

  constructor(
    private readonly maxEvents = RECENT_MAX_EVENTS,
    private readonly maxAgeMs = RECENT_MAX_AGE_MS,
  ) {}

  /** The oldest seq held, or undefined when empty. */
  get firstSeq(): number | undefined {
    return this.#entries[0]?.seq;
  }

  get size(): number {
    return this.#entries.length;
  }

  at(seq: number): Delivery | undefined {
    const first = this.#entries[0];
    if (!first) return undefined;
    const entry = this.#entries[seq - first.seq];
    return entry?.seq === seq ? entry : undefined;
  }

  /** Adds the next event; one that does not follow the last held starts the window afresh. */
  push(delivery: Delivery): void {
    const last = this.#entries.at(-1);
    if (last && delivery.seq !== last.seq + 1) this.#entries = [];
    this.#entries.push(delivery);
    if (this.#entries.length > this.maxEvents) this.#entries.splice(0, this.#entries.length - this.maxEvents);
  }

  /**
   * Adds older events in front, when they end right before the first one held (or the window is
   * empty and they end at `upTo`) and have no gap. Room permitting: the newest are kept.
   */
  prepend(older: Delivery[], upTo: number): void {
    if (older.length === 0) return;
    const end = this.firstSeq !== undefined ? this.firstSeq - 1 : upTo;
    const contiguous = older.every((d, i) => i === 0 || d.seq === (older[i - 1] as Delivery).seq + 1);
    if (!contiguous || (older.at(-1) as Delivery).seq !== end) return;
    const room = this.maxEvents - this.#entries.length;
    if (room <= 0) return;
    this.#entries = [...older.slice(-room), ...this.#entries];
  }

  /** Drops entries older than the age bound. */
  trim(now = Date.now()): void {
    const cutoff = now - this.maxAgeMs;
    let drop = 0;
    while (drop < this.#entries.length && (this.#entries[drop] as Delivery).at < cutoff) drop++;
    if (drop > 0) this.#entries.splice(0, drop);
  }
}
