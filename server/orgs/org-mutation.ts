import {
  appendEvent,
  type FullEvent,
  type LogHead,
  lockLogHead,
  type NewEvent,
} from "../audit/event-log.repository.js";
import type { Actor, RequestContext } from "../auth/actor.js";
import { actorRef } from "../auth/actor.js";
import type { Access, Permission } from "../auth/permissions.js";
import type { Db, Trx } from "../db/database.js";
import { notFound } from "../http/errors.js";
import { loadAccess, requirePermission } from "../members/access.js";

/** Receives committed events, in seq order, after their transaction commits. */
export interface EventSink {
  committed(events: readonly FullEvent[]): Promise<void>;
}

/** What a mutation's body gets: the transaction, the re-checked access, and a way to log events. */
export interface MutationScope {
  trx: Trx;
  access: Access;
  head: LogHead;
  /** Appends an event authored by the request's actor, with its context. */
  record(event: Omit<NewEvent, "actor" | "context">): Promise<FullEvent>;
}

export interface OrgMutationDeps {
  db: Db;
  sink: EventSink;
}

/**
 * The unit of work of every org-scoped mutation: one transaction that locks the org's log head,
 * re-reads the actor's access under that lock (so a removal that committed first wins), runs the
 * change, appends its events, commits, and only then hands the events to the sink.
 */
export async function mutateOrg<T>(
  deps: OrgMutationDeps,
  request: { actor: Actor; context: RequestContext; orgId: string; permission: Permission },
  change: (scope: MutationScope) => Promise<T>,
): Promise<T> {
  const events: FullEvent[] = [];
  const result = await deps.db.transaction().execute(async (trx) => {
    const head = await lockLogHead(trx, request.orgId);
    const access = head && (await loadAccess(trx, request.actor, request.orgId));
    if (!head || !access) throw notFound("organization");
    requirePermission(access, request.permission);
    return change({
      trx,
      access,
      head,
      async record(event) {
        const full = await appendEvent(trx, head, {
          ...event,
          actor: actorRef(request.actor),
          context: request.context,
        });
        events.push(full);
        return full;
      },
    });
  });
  if (events.length > 0) await deps.sink.committed(events);
  return result;
}
