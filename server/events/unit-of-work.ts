import type { QueryCreator } from "kysely";
import type { EventActor, OrgRole } from "../../client-sdk/src/contract/index.js";
import { accessFor, type PermissionOptions, requirePermission, settingsRequireMfa } from "../access/derive.js";
import type { Access, Permission } from "../access/permissions.js";
import type { Actor, RequestContext } from "../core/actor.js";
import { actorRef, principalUserId } from "../core/actor.js";
import { notFound } from "../core/errors.js";
import type { Db, Trx } from "../db/database.js";
import type { Database } from "../db/schema.js";
import type { OrgRow } from "../db/tables/orgs.table.js";
import {
  appendEvent,
  appendEventWith,
  createLogHead,
  type FullEvent,
  type LockedLog,
  type LogHead,
  lockLogHead,
  type NewEvent,
} from "./event-log.repository.js";
import { orgTurnsOf } from "./org-turns.js";

/** Receives committed events, in seq order, after their transaction commits. */
export interface EventSink {
  committed(events: readonly FullEvent[]): Promise<void>;
}

/** Omit over each member of a union, so `record` keeps `data` tied to `type`. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type EventInput = DistributiveOmit<NewEvent, "actor" | "context">;

/** What a mutation's body gets: the transaction, the locked log head and a way to log events. */
export interface MutationScope {
  trx: Trx;
  head: LogHead;
  /** The org's row, read with the lock. */
  org: OrgRow;
  /** Appends an event authored by the mutation's actor, with the request's context. */
  record(event: EventInput): Promise<FullEvent>;
  /**
   * Runs `change` (an insert, update or delete with `returning`) and appends `event` in one
   * statement, so the write and its log row cost one round trip; answers the rows it returned.
   */
  write<R>(change: (db: QueryCreator<Database>) => unknown, event: EventInput): Promise<R[]>;
}

/** The scope of a member's mutation: also their access, and the project asked about. */
export interface OrgMutationScope extends MutationScope {
  access: Access;
  /** With `projectId`: the project (undefined when not the org's) and the principal's role on it. */
  project?: LockedLog["project"];
}

export interface OrgMutationDeps {
  db: Db;
  sink: EventSink;
}

/**
 * The unit of work of every org-scoped mutation: one transaction that locks the org's log head,
 * re-reads the actor's access under that lock (so a removal that committed first wins; MFA facts
 * included, unless `mfaExempt`), runs the
 * change, appends its events, commits, and only then hands the events to the sink.
 */
export function mutateOrg<T>(
  deps: OrgMutationDeps,
  request: {
    actor: Actor;
    context: RequestContext;
    orgId: string;
    permission: Permission;
    projectId?: string;
  } & PermissionOptions,
  change: (scope: OrgMutationScope) => Promise<T>,
): Promise<T> {
  const { actor, orgId } = request;
  const lock = { principalId: principalUserId(actor), projectId: request.projectId };
  return inOrgLog(deps, orgId, actorRef(actor), request.context, lock, async (scope, locked) => {
    const memberRole = locked.memberRole;
    if (!memberRole || (actor.type === "api_key" && actor.orgId !== orgId)) throw notFound("organization");
    const access = accessFor(actor, orgId, memberRole, {
      orgRequiresMfa: settingsRequireMfa(locked.org.settings),
      principalHasMfa: locked.principalHasMfa,
    });
    requirePermission(access, request.permission, request);
    return change({ ...scope, access, project: locked.project });
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
  return inOrgLog(deps, orgId, actorRef(actor), request.context, { principalId: principalUserId(actor) }, (scope, l) =>
    change(scope, l.memberRole),
  );
}

/** The same unit of work for Orgwire's own jobs (expiring keys, pruning): actor `system`. */
export function mutateOrgAsSystem<T>(
  deps: OrgMutationDeps,
  orgId: string,
  job: string,
  change: (scope: MutationScope) => Promise<T>,
): Promise<T> {
  return inOrgLog(deps, orgId, { type: "system", id: job }, null, {}, (scope) => change(scope));
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
    const locked = await createLogHead(trx, request.orgId);
    return change(scopeOf(trx, locked, actorRef(request.actor), request.context, events), created);
  });
}

/**
 * Work that holds an org's log lock without appending, such as pruning a prefix of the log: it
 * serializes with every mutation of the org. Deleted orgs included; false when the org has no log.
 */
export async function withLockedLog<T>(db: Db, orgId: string, work: (trx: Trx, head: LogHead) => Promise<T>) {
  return db.transaction().execute(async (trx) => {
    const locked = await lockLogHead(trx, orgId, undefined, { includeDeleted: true });
    return locked ? work(trx, locked.head) : undefined;
  });
}

function inOrgLog<T>(
  deps: OrgMutationDeps,
  orgId: string,
  actor: EventActor,
  context: RequestContext | null,
  lock: { principalId?: string; projectId?: string },
  change: (scope: MutationScope, locked: LockedLog) => Promise<T>,
): Promise<T> {
  let endTurn = () => {};
  return committed(
    deps,
    async (trx, events) => {
      endTurn = await orgTurnsOf(deps.db).take(orgId);
      const locked = await lockLogHead(trx, orgId, lock.principalId, { projectId: lock.projectId });
      if (!locked) throw notFound("organization");
      return change(scopeOf(trx, locked, actor, context, events), locked);
    },
    () => endTurn(),
  );
}

/**
 * One transaction; the events it recorded go to the sink once it committed, never before. `ended`
 * runs once the transaction has committed or rolled back, before the sink.
 */
async function committed<T>(
  deps: OrgMutationDeps,
  work: (trx: Trx, events: FullEvent[]) => Promise<T>,
  ended: () => void = () => {},
): Promise<T> {
  const events: FullEvent[] = [];
  let result: T;
  try {
    result = await deps.db.transaction().execute((trx) => work(trx, events));
  } finally {
    ended();
  }
  if (events.length > 0) await deps.sink.committed(events);
  return result;
}

function scopeOf(
  trx: Trx,
  locked: LockedLog,
  actor: EventActor,
  context: RequestContext | null,
  events: FullEvent[],
): MutationScope {
  const { head, org } = locked;
  return {
    trx,
    head,
    org,
    async record(event) {
      const full = await appendEvent(trx, head, { ...event, actor, context } as NewEvent);
      events.push(full);
      return full;
    },
    async write<R>(change: (db: QueryCreator<Database>) => unknown, event: EventInput) {
      const { event: full, rows } = await appendEventWith<R>(
        trx,
        head,
        { ...event, actor, context } as NewEvent,
        change,
      );
      events.push(full);
      return rows;
    },
  };
}
