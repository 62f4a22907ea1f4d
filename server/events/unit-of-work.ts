import type { EventActor, OrgRole } from "../../client-sdk/src/contract/index.js";
import { accessFor, requirePermission } from "../access/derive.js";
import type { Access, Permission } from "../access/permissions.js";
import type { Actor, RequestContext } from "../core/actor.js";
import { actorRef, principalUserId } from "../core/actor.js";
import { notFound } from "../core/errors.js";
import type { Db, Trx } from "../db/database.js";
import {
  appendEvent,
  createLogHead,
  type FullEvent,
  type LogHead,
  lockLogHead,
  type NewEvent,
} from "./event-log.repository.js";

/** Receives committed events, in seq order, after their transaction commits. */
export interface EventSink {
  committed(events: readonly FullEvent[]): Promise<void>;
}

/** Omit over each member of a union, so `record` keeps `data` tied to `type`. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a mutation's body gets: the transaction, the locked log head and a way to log events. */
export interface MutationScope {
  trx: Trx;
  head: LogHead;
  /** Appends an event authored by the mutation's actor, with the request's context. */
  record(event: DistributiveOmit<NewEvent, "actor" | "context">): Promise<FullEvent>;
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
export function mutateOrg<T>(
  deps: OrgMutationDeps,
  request: { actor: Actor; context: RequestContext; orgId: string; permission: Permission },
  change: (scope: MutationScope & { access: Access }) => Promise<T>,
): Promise<T> {
  const { actor, orgId } = request;
  const principal = principalUserId(actor);
  return inOrgLog(deps, orgId, actorRef(actor), request.context, principal, async (scope, memberRole) => {
    if (!memberRole || (actor.type === "api_key" && actor.orgId !== orgId)) throw notFound("organization");
    const access = accessFor(actor, orgId, memberRole);
    requirePermission(access, request.permission);
    return change({ ...scope, access });
  });
}

/**
 * The same unit of work for a caller who need not be a member, such as someone accepting an
 * invitation: `change` gets the caller's current role (null for none) and decides.
 */
export function mutateOrgAsOutsider<T>(
  deps: OrgMutationDeps,
  request: { actor: Actor; context: RequestContext; orgId: string },
  change: (scope: MutationScope, memberRole: OrgRole | null) => Promise<T>,
): Promise<T> {
  const { actor, orgId } = request;
  return inOrgLog(deps, orgId, actorRef(actor), request.context, principalUserId(actor), change);
}

/** The same unit of work for Orgwire's own jobs (expiring keys, pruning): actor `system`. */
export function mutateOrgAsSystem<T>(
  deps: OrgMutationDeps,
  orgId: string,
  job: string,
  change: (scope: MutationScope) => Promise<T>,
): Promise<T> {
  return inOrgLog(deps, orgId, { type: "system", id: job }, null, undefined, change);
}

/**
 * Org creation in the unit of work: `setup` writes the org (and its first member), then the log
 * head is created, locked, and `change` records the log's first events (`org.created`, seq 1).
 */
export function openOrgLog<S, T>(
  deps: OrgMutationDeps,
  request: { actor: Actor; context: RequestContext; orgId: string },
  setup: (trx: Trx) => Promise<S>,
  change: (scope: MutationScope, created: S) => Promise<T>,
): Promise<T> {
  return committed(deps, async (trx, events) => {
    const created = await setup(trx);
    const head = await createLogHead(trx, request.orgId);
    return change(scopeOf(trx, head, actorRef(request.actor), request.context, events), created);
  });
}

/**
 * Work that holds an org's log lock without appending, such as pruning a prefix of the log: it
 * serializes with every mutation of the org. Deleted orgs included; false when the org has no log.
 */
export async function withLockedLog<T>(db: Db, orgId: string, work: (trx: Trx, head: LogHead) => Promise<T>) {
  return db.transaction().execute(async (trx) => {
    const head = await lockLogHead(trx, orgId, undefined, { includeDeleted: true });
    return head ? work(trx, head) : undefined;
  });
}

function inOrgLog<T>(
  deps: OrgMutationDeps,
  orgId: string,
  actor: EventActor,
  context: RequestContext | null,
  principalId: string | undefined,
  change: (scope: MutationScope, memberRole: OrgRole | null) => Promise<T>,
): Promise<T> {
  return committed(deps, async (trx, events) => {
    const locked = await lockLogHead(trx, orgId, principalId);
    if (!locked) throw notFound("organization");
    const { memberRole, ...head } = locked;
    return change(scopeOf(trx, head, actor, context, events), memberRole);
  });
}

/** One transaction; the events it recorded go to the sink once it committed, never before. */
async function committed<T>(deps: OrgMutationDeps, work: (trx: Trx, events: FullEvent[]) => Promise<T>): Promise<T> {
  const events: FullEvent[] = [];
  const result = await deps.db.transaction().execute((trx) => work(trx, events));
  if (events.length > 0) await deps.sink.committed(events);
  return result;
}

function scopeOf(
  trx: Trx,
  head: LogHead,
  actor: EventActor,
  context: RequestContext | null,
  events: FullEvent[],
): MutationScope {
  return {
    trx,
    head,
    async record(event) {
      const full = await appendEvent(trx, head, { ...event, actor, context } as NewEvent);
      events.push(full);
      return full;
    },
  };
}
