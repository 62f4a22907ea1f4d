import type { Logger } from "pino";
import type { OrgEvent, RevocationReason } from "../../client-sdk/src/contract/index.js";
import type { Actor } from "../core/actor.js";
import type { Db } from "../db/database.js";
import {
  type FullEvent,
  listEventsForView,
  listEventsForViewSized,
  projectEvent,
  WHOLE_LOG,
} from "../events/event-log.repository.js";
import type { RealtimeMetrics } from "../metrics/metrics.js";
import { accessEffectOf, applyAccessEffect, type OrgAccessState } from "./access-effects.js";
import type { ConnectionGuard, Semaphore } from "./connection-guard.js";
import { EncodedEvents } from "./encoded-events.js";
import type { OrgNamespace, OrgSocket } from "./org-socket.js";
import { type Delivery, deliveryOf, RECENT_MAX_EVENTS, RecentEvents } from "./recent-events.js";
import { flushed, lostAccessReason, tellRevoked } from "./revocation.js";
import {
  deliveryRooms,
  envelopeFor,
  keyRoom,
  ROOM_AUDIT,
  ROOM_REPLAYING,
  type SocketView,
  socketViewOf,
  userRoom,
} from "./rooms.js";
import type { AttachSnapshot, AttachStanding } from "./snapshot.js";
import { yieldIfTurnLong } from "./turns.js";

export interface OrgStreamDeps {
  db: Db;
  log: Logger;
  snapshot: (actors: Actor[], orgId: string) => Promise<AttachSnapshot>;
  guard: ConnectionGuard;
  /** Bounds the replay pages read at once on the node, so a reconnect storm leaves the pool to HTTP. */
  replayReads: Semaphore;
  /** Counts live deliveries, their lag and gap fills (absent: nothing counted). */
  metrics?: RealtimeMetrics;
}

const PAGE = 500; // events a gap fill reads at a time
/** A replay reads at most this many events, and this many bytes of them, at a time. */
const REPLAY_PAGE = 100;
const REPLAY_PAGE_BYTES = 512 * 1024;
/** A replay from memory sends at most this many events per step (each step may end the turn). */
const RECENT_SLICE = 50;
/** A replay pauses once its connection holds HIGH unwritten bytes, and goes on once down to LOW. */
const REPLAY_HIGH_WATER_BYTES = 1024 * 1024;
const REPLAY_LOW_WATER_BYTES = 256 * 1024;

/** Live events held for a socket while its replay runs; sent (in order) when the replay ends. */
interface Backlog {
  events: { event: OrgEvent; bytes: number }[];
  bytes: number;
}

/**
 * One org's live stream on one node. Everything that touches its sockets (attach with replay,
 * live events, access changes, gap fills) runs through one serial queue, in seq order, so that:
 * per socket seq strictly increases; the replay/live seam has no gap or duplicate; and an access
 * change is applied before any later event is sent. See ./README.md.
 */
export class OrgStream {
  /** The last seq applied to this node's sockets; -1 until the first attach reads the head. */
  delivered = -1;
  /** The org's MFA requirement as of `delivered`: from the attach snapshot, then `settings.updated`. */
  readonly org: OrgAccessState = { requireMfa: false };
  #queue: Promise<void> = Promise.resolve();
  /** Sockets whose replay runs outside the queue, by socket id, with the live events held for them. */
  readonly #replays = new Map<string, Backlog>();
  /** Sockets waiting for the next batch attach, and that batch's queued task. */
  readonly #arriving: OrgSocket[] = [];
  #arrivingBatch: Promise<void> = Promise.resolve();
  /** The latest applied events, which replays of a recent `since` are served from. */
  readonly #recent = new RecentEvents();
  /** Replays send recent events' envelopes encoded once for all sockets. */
  readonly #encoded = new EncodedEvents();

  constructor(
    readonly orgId: string,
    readonly nsp: OrgNamespace,
    private readonly deps: OrgStreamDeps,
  ) {}

  /** Runs tasks one at a time; a failing task is logged and does not stop the stream. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue
      .then(task)
      .catch((err) => this.deps.log.error({ err, orgId: this.orgId }, "stream task failed"));
    this.#queue = run;
    return run;
  }

  /**
   * Events from a commit (local or via the bus); anything already applied is skipped. Resolves
   * once the batch's access changes are in force on this node (revoked sockets told and
   * disconnected, views re-scoped): what an acknowledgement promises. Broadcasting goes on after,
   * once `holdBroadcast` (if given) settles.
   */
  ingest(events: readonly FullEvent[], holdBroadcast?: Promise<unknown>): Promise<void> {
    let accessApplied!: () => void;
    const applied = new Promise<void>((resolve) => {
      accessApplied = resolve;
    });
    const lastAccessChange = events.findLastIndex((e) => accessEffectOf(e) !== undefined);
    void this.#enqueue(async () => {
      try {
        for (const [i, event] of events.entries()) {
          if (this.delivered < 0 || event.seq <= this.delivered) continue;
          if (event.seq > this.delivered + 1) await this.#fillTo(event.seq - 1);
          const last = i === lastAccessChange;
          await this.#apply(event, last ? accessApplied : undefined, last ? holdBroadcast : undefined);
        }
      } finally {
        accessApplied(); // also when the batch held no access change, or was already applied
      }
    });
    return applied;
  }

  /** Makes sure everything up to `seq` is applied, reading what the bus lost from Postgres. */
  syncTo(seq: number): Promise<void> {
    return this.#enqueue(async () => {
      if (this.delivered >= 0 && seq > this.delivered) await this.#fillTo(seq);
    });
  }

  /**
   * Authorizes against current state, replays `since`, joins rooms, then says `ready`. Sockets that
   * arrive while an attach is queued join its batch: one snapshot serves them all.
   */
  attach(socket: OrgSocket): Promise<void> {
    this.#arriving.push(socket);
    if (this.#arriving.length > 1) return this.#arrivingBatch;
    this.#arrivingBatch = this.#enqueue(async () => {
      const batch = this.#arriving.splice(0);
      try {
        await this.#attachBatch(batch);
      } catch (err) {
        // Say nothing half-true to the clients: drop the transports so they reconnect and retry.
        this.deps.log.error(
          { err, orgId: this.orgId, sockets: batch.length },
          "attach failed; closing the connections",
        );
        for (const socket of batch) if (!socket.data.view) socket.conn.close();
      }
    });
    return this.#arrivingBatch;
  }

  async #attachBatch(arrived: OrgSocket[]): Promise<void> {
    const sockets = arrived.filter((s) => s.connected);
    if (sockets.length === 0) return;
    const snap = await this.deps.snapshot(
      sockets.map((s) => s.data.actor),
      this.orgId,
    );
    // Everything applied so far committed before the snapshot, so delivered <= snap.head.
    if (this.delivered < 0) this.delivered = snap.head;
    else if (snap.head > this.delivered) await this.#fillTo(snap.head);
    this.org.requireMfa = snap.orgRequiresMfa; // as of snap.head, which `delivered` now is
    const sinces = sockets.flatMap((s) =>
      s.data.since !== undefined && s.data.since < snap.head ? [s.data.since] : [],
    );
    if (sinces.length > 0) await this.#remember(Math.min(...sinces));
    for (const [i, socket] of sockets.entries()) {
      // A storm's batch is hundreds of sockets: admit them over several short turns.
      await yieldIfTurnLong();
      this.#admit(socket, snap.each[i] as AttachStanding, snap);
    }
  }

  /** One socket of a batch: refused (revoked) or in its rooms, then `ready` or its replay. */
  #admit(socket: OrgSocket, standing: AttachStanding, snap: AttachSnapshot): void {
    if (socket.disconnected) return;
    const { actor, since } = socket.data;
    if (!standing.credentialLive || !standing.access || standing.access.mfaMissing) {
      // The key or session died, or access ended, between the handshake and now: the event that
      // ended it (if any) is at or below the snapshot's head and so already applied. So does an
      // org that now requires MFA the member lacks (`mfa_required`).
      this.#revoke(socket, lostAccessReason(actor, standing, snap.orgLive));
      return;
    }
    const view = socketViewOf(standing.access, standing.projectIds);
    // In its rooms from now on, so every later access change finds it; a replaying socket is also
    // in ROOM_REPLAYING, which every broadcast skips: its live events wait in its backlog.
    socket.join([userRoom(view.userId), ...(actor.type === "api_key" ? [keyRoom(actor.keyId)] : [])]);
    socket.join(deliveryRooms(view));
    socket.data.view = view;
    if (since === undefined || since >= snap.head) {
      socket.emit("ready", { orgId: this.orgId, role: view.role, seq: this.delivered });
      return;
    }
    socket.join(ROOM_REPLAYING);
    this.#replays.set(socket.id, { events: [], bytes: 0 });
    // Outside the queue: a slow reader's replay never holds up the org's other sockets.
    void this.#replay(socket, view, since, snap.head);
  }

  /**
   * Sends the caller's view of (since, until], then the live events held meanwhile, then `ready`.
   * Before each event it looks at what the connection still holds: past the high-water mark it
   * waits until the connection has written down to the low-water mark. Emptying the backlog,
   * leaving ROOM_REPLAYING and `ready` happen in one turn, so no live event falls between.
   */
  async #replay(socket: OrgSocket, view: SocketView, since: number, until: number): Promise<void> {
    const { guard, db } = this.deps;
    /** False once the socket is gone (revoked, disconnected, dropped). */
    const room = async () => {
      await yieldIfTurnLong();
      if (guard.buffered(socket.conn) >= REPLAY_HIGH_WATER_BYTES) {
        await guard.drained(socket.conn, REPLAY_LOW_WATER_BYTES);
      }
      return socket.connected && this.#replays.has(socket.id);
    };
    try {
      let after = since;
      while (after < until) {
        if (!(await room())) return;
        if (this.#recent.at(after + 1)) {
          after = this.#replayRecent(socket, after, until);
          continue;
        }
        // The socket's current view: a demotion that landed meanwhile narrows the rest of the replay.
        const current = socket.data.view ?? view;
        const release = await this.deps.replayReads.acquire();
        const { events: page, more } = await listEventsForViewSized(db, this.orgId, current, {
          since: after,
          untilSeq: until,
          limit: REPLAY_PAGE,
          maxBytes: REPLAY_PAGE_BYTES,
        }).finally(release);
        let sent = 0;
        for (const event of page) {
          // Full: stop here and let the page go; it is read again from `after` once written down,
          // so a stalled replay holds a cursor, not rows.
          if (!socket.connected || guard.buffered(socket.conn) >= REPLAY_HIGH_WATER_BYTES) break;
          socket.emit("event", projectEvent(event, current.audit));
          after = event.seq;
          sent++;
        }
        if (sent === page.length && !more) break;
      }
      for (;;) {
        if (!(await room())) return;
        const backlog = this.#replays.get(socket.id);
        const held = backlog?.events.shift();
        if (!backlog || !held) break;
        backlog.bytes -= held.bytes;
        this.#encoded.send(guard, socket, held.event);
      }
      this.#replays.delete(socket.id);
      socket.leave(ROOM_REPLAYING);
      socket.emit("ready", { orgId: this.orgId, role: socket.data.view?.role ?? view.role, seq: this.delivered });
    } catch (err) {
      this.deps.log.error({ err, orgId: this.orgId }, "replay failed; closing the connection");
      socket.conn.close();
    } finally {
      if (!socket.connected) this.#replays.delete(socket.id);
    }
  }

  /**
   * Reads the events after `since` that the recent window lacks, once for the whole batch, when
   * the window can hold them all: a storm's sockets then replay from memory, not one read each.
   */
  async #remember(since: number): Promise<void> {
    const end = (this.#recent.firstSeq ?? this.delivered + 1) - 1;
    if (since >= end || this.delivered - since > RECENT_MAX_EVENTS) return;
    const older: Delivery[] = [];
    for (let after = since; after < end; ) {
      const page = await listEventsForView(this.deps.db, this.orgId, WHOLE_LOG, {
        since: after,
        untilSeq: end,
        limit: PAGE,
      });
      if (page.length === 0) break;
      for (const event of page) older.push(deliveryOf(event));
      after = (page.at(-1) as FullEvent).seq;
    }
    this.#recent.prepend(older, end);
  }

  /** Forgets recent events past their age (called about once a second). */
  trimRecent(): void {
    this.#recent.trim();
  }

  /**
   * Sends what the socket's rooms see of the recent events after `after`, up to `until` and at most
   * RECENT_SLICE of them, until the connection is full or the window runs out; answers the last seq
   * passed. A socket's rooms are its current view, so this is the live rule (and the SQL view's,
   * see ./README.md).
   */
  #replayRecent(socket: OrgSocket, after: number, until: number): number {
    const { guard } = this.deps;
    let seq = after;
    const last = Math.min(until, after + RECENT_SLICE);
    while (seq < last && socket.connected && guard.buffered(socket.conn) < REPLAY_HIGH_WATER_BYTES) {
      const delivery = this.#recent.at(seq + 1);
      if (!delivery) break;
      const envelope = envelopeFor(socket.rooms, delivery);
      if (envelope) this.#encoded.send(guard, socket, envelope);
      seq++;
    }
    return seq;
  }

  async #fillTo(seq: number): Promise<void> {
    // Once per gap, however many pages it takes: a rate of these is the bus losing messages.
    this.deps.metrics?.gapFills.inc();
    while (this.delivered < seq) {
      const page = await listEventsForView(this.deps.db, this.orgId, WHOLE_LOG, {
        since: this.delivered,
        untilSeq: seq,
        limit: PAGE,
      });
      if (page.length === 0) break;
      for (const event of page) await this.#apply(event);
    }
  }

  /**
   * Applies one event: its effect on access first (then `onAccessApplied`), then the broadcast,
   * then the cursor.
   */
  async #apply(event: FullEvent, onAccessApplied?: () => void, holdBroadcast?: Promise<unknown>): Promise<void> {
    const effect = accessEffectOf(event);
    if (effect) {
      const revoke = (socket: OrgSocket, reason: RevocationReason) => this.#revoke(socket, reason);
      const revoked = applyAccessEffect(this.nsp, this.orgId, effect, revoke, this.org);
      if (revoked.length > 0) await flushed(revoked);
    }
    if (onAccessApplied) {
      onAccessApplied();
      // Let the acknowledgement leave before the broadcast takes the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The committing node holds its own broadcast until every node applied the access change:
    // the revocation, not the fan-out, gets the machine first.
    if (holdBroadcast) await holdBroadcast;
    const delivery = deliveryOf(event);
    this.nsp.to(ROOM_AUDIT).except(ROOM_REPLAYING).emit("event", delivery.full);
    this.nsp.to(delivery.audience).except([ROOM_AUDIT, ROOM_REPLAYING]).emit("event", delivery.stripped);
    const metrics = this.deps.metrics;
    if (metrics) {
      // Once per event broadcast, not per receiving socket: Socket.IO does not say how many the
      // rooms held, and counting them would cost a room lookup per event.
      metrics.eventsDelivered.inc();
      // occurredAt is the transaction's now() on the database's clock: the lag includes the
      // transaction's own time, and clock skew between hosts (clamped at 0).
      metrics.deliveryLag.observe(Math.max(0, Date.now() - Date.parse(event.occurredAt)) / 1000);
    }
    if (this.#replays.size > 0) this.#hold(delivery);
    this.#recent.push(delivery);
    this.delivered = event.seq;
  }

  /** What the two broadcasts would have sent each replaying socket, kept for after its replay. */
  #hold(delivery: Delivery): void {
    const sizes = new Map<OrgEvent, number>();
    const sizeOf = (e: OrgEvent) => sizes.get(e) ?? sizes.set(e, JSON.stringify(e).length).get(e) ?? 0;
    for (const [id, backlog] of this.#replays) {
      const socket = this.nsp.sockets.get(id);
      if (!socket) {
        this.#replays.delete(id);
        continue;
      }
      const event = envelopeFor(socket.rooms, delivery);
      if (!event) continue;
      const bytes = sizeOf(event);
      backlog.events.push({ event, bytes });
      backlog.bytes += bytes;
      if (backlog.bytes > this.deps.guard.limits.maxBufferedBytes) {
        // Too far behind to catch up here: it reconnects and resumes with `since`.
        this.deps.log.warn({ orgId: this.orgId, socket: id }, "replaying socket fell too far behind; dropping it");
        this.#replays.delete(id);
        socket.conn.close();
      }
    }
  }

  /** `revoked`, then a disconnect from this namespace (./revocation.ts). */
  #revoke(socket: OrgSocket, reason: RevocationReason): void {
    // A socket revoked mid-replay gets no more of it: its held events are dropped with it.
    this.#replays.delete(socket.id);
    if (socket.disconnected) return;
    tellRevoked(this.deps.guard, socket, this.orgId, reason);
  }

  /** Session revocation (logout) goes through the queue too, so it lands between two events. */
  revokeWhere(match: (socket: OrgSocket) => boolean, reason: RevocationReason): Promise<void> {
    return this.#enqueue(async () => {
      for (const socket of this.nsp.sockets.values()) if (match(socket)) this.#revoke(socket, reason);
    });
  }
}
