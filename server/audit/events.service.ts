import type { EventsQuery } from "../../client-sdk/src/contract/index.js";
import { type Access, eventViewOf } from "../access/permissions.js";
import type { Db } from "../db/database.js";
import { listEventsForView, projectEvent } from "../events/event-log.repository.js";

export function createEventsService({ db }: { db: Db }) {
  return {
    /** The caller's view of the log after `since`, in seq order; `limit` counts what they see. */
    async page(access: Access, query: EventsQuery) {
      const view = eventViewOf(access);
      const rows = await listEventsForView(db, access.orgId, view, { since: query.since, limit: query.limit + 1 });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items: items.map((e) => projectEvent(e, view.audit)),
        nextCursor: rows.length > query.limit && last ? last.seq : null,
      };
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
