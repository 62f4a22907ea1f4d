import type { Logger } from "pino";
import type { Server } from "socket.io";
import {
  type ClientToServerEvents,
  handshakeAuth,
  type ServerToClientEvents,
  type WebhookDelivery,
} from "../../client-sdk/src/contract/index.js";
import type { SessionRevocations } from "../auth/auth.service.js";
import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Bus } from "../bus/index.js";
import type { Actor } from "../core/actor.js";
import type { Db } from "../db/database.js";
import type { FullEvent } from "../events/event-log.repository.js";
import { headsOf } from "../events/heads.repository.js";
import type { EventSink } from "../events/unit-of-work.js";
import { loadAccessOfMany } from "../members/access.js";
import type { RealtimeMetrics } from "../metrics/metrics.js";
import { changesAccess } from "./access-effects.js";
import { AckTracker } from "./acks.js";
import { ArrivalGate } from "./arrivals.js";
import { Coalescer } from "./coalescer.js";
import { ConnectionGuard, type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, Semaphore } from "./connection-guard.js";
import { directBroadcastAdapter } from "./direct-broadcast.js";
import type { OrgNamespace, OrgSocket, OrgSocketData } from "./org-socket.js";
import { OrgStream } from "./org-stream.js";
import { ROOM_AUDIT, ROOM_OWNERS } from "./rooms.js";
import { type CredentialCheck, createSnapshotReader, type ProjectIdsLoader } from "./snapshot.js";
import { HandshakeTokenLookups } from "./token-lookups.js";

export type OrgServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, OrgSocketData>;

export interface HubDeps {
  io: OrgServer;
  db: Db;
  bus: Bus;
  log: Logger;
  nodeId: string;
  authenticator: TokenAuthenticator;
  loadProjectIds: ProjectIdsLoader;
  /** Called on every node when a session is revoked, before the revocation is acknowledged. */
  onSessionRevoked?: (sessionId: string) => void;
  /** Re-checks at attach that the handshake's session or key is still live. */
  credentialsLive: CredentialCheck;
  /** Per-connection bounds (namespaces, buffered bytes, handshakes). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** How long an access-changing call waits for other nodes' acks. */
  ackTimeoutMs?: number;
  /** How often streams compare their cursor with the org's head (the bus-independent backstop). */
  headPollMs?: number;
  /** Deliveries, their lag, gap fills, ack waits and bus reconnects (absent: nothing counted). */
  metrics?: RealtimeMetrics;
}

/**
 * Attach snapshots (one per batch of arriving sockets) and replay pages read at once on a node: a
 * reconnect storm of thousands of sockets queues here, not in the Postgres pool ahead of HTTP.
 */
const SNAPSHOTS_PER_NODE = 2;
const REPLAY_READS_PER_NODE = 4;
/** The longest a new connection keeps its place among the arrivals (see arrivals.ts). */
const ARRIVAL_HOLD_MS = 2_000;

/** Bus channels (the bus adds the deployment prefix). */
const orgChannel = (orgId: string) => `org.${orgId}`;
const SESSIONS_CHANNEL = "sessions";
const ackChannel = (nodeId: string) => `ack.${nodeId}`;

interface EventBatchMessage {
  events: readonly FullEvent[];
  ack?: { node: string; id: string };
}
/** A webhook delivery attempt for the org's live delivery log (not a log event: no seq, no order). */
interface DeliveryMessage {
  delivery: WebhookDelivery;
  from: string;
}
interface SessionRevokeMessage {
  sessionId: string;
  ack: { node: string; id: string };
}

interface StreamEntry {
  stream: OrgStream;
  unsubscribe: () => Promise<void> | void;
  /** The bus subscription is active: PUBLISH counts this node among the channel's receivers. */
  subscribed: boolean;
}

/** Lower-case ids only: one org, one namespace (an upper-case spelling would open a second one). */
const ORG_NAMESPACE = /^\/orgs\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Live delivery on one node: per-org namespaces, their streams, the bus traffic between nodes and
 * acknowledged revocation. Implements the EventSink the services hand committed events to.
 */
export async function createRealtimeHub(deps: HubDeps) {
  const { io, db, bus, log, nodeId } = deps;
  const ackTimeoutMs = deps.ackTimeoutMs ?? 1_000;
  const acks = new AckTracker();
  /** This node's commits awaiting acks: when their access change is applied here. */
  const localApplied = new Map<string, Promise<void>>();
  /** This node's commits it acknowledged itself (see the sink): their bus echo is ignored. */
  const selfAcked = new Set<string>();
  const streams = new Map<string, StreamEntry>();
  // Attach snapshots are transactions: the attaches that wait for one, over every org, share it,
  // and a storm of them leaves the pool to HTTP.
  const snapshots = new Coalescer(
    createSnapshotReader(db, deps.loadProjectIds, deps.credentialsLive),
    new Semaphore(SNAPSHOTS_PER_NODE),
  );
  const snapshot = (actors: Actor[], orgId: string) => snapshots.run({ orgId, actors });
  const replayReads = new Semaphore(REPLAY_READS_PER_NODE);
  const guard = new ConnectionGuard({ ...DEFAULT_CONNECTION_LIMITS, ...deps.connectionLimits }, log);
  const tokens = new HandshakeTokenLookups(deps.authenticator, guard.handshakeReads);
  // Handshakes that arrive together are authorized together: one round trip for a whole batch.
  const handshakeAccess = new Coalescer(
    (requests: { actor: Actor; orgId: string }[]) => loadAccessOfMany(db, requests),
    guard.handshakeReads,
  );
  // A storm's connections are worked on a bounded number at a time; the rest wait unanswered.
  io.adapter(directBroadcastAdapter(guard));
  const arrivals = new ArrivalGate(guard.limits.arrivalsPerNode, ARRIVAL_HOLD_MS);
  io.engine.opts.allowRequest = arrivals.allowRequest;
  io.engine.on("connection", (conn) => {
    guard.track(conn);
    arrivals.opened(conn);
  });

  const ackTo = async (ack: { node: string; id: string } | undefined) => {
    if (!ack) return;
    await bus.publish(ackChannel(ack.node), { id: ack.id }).catch((err) => log.warn({ err }, "ack not sent"));
  };

  const unsubscribeAcks = await bus.subscribe(ackChannel(nodeId), (m) => acks.receive((m as { id: string }).id));
  const unsubscribeSessions = await bus.subscribe(SESSIONS_CHANNEL, (m) => {
    const message = m as SessionRevokeMessage;
    revokeSessionLocally(message.sessionId)
      .then(() => ackTo(message.ack))
      .catch((err) => log.error({ err }, "session revocation failed on this node"));
  });

  async function revokeSessionLocally(sessionId: string) {
    deps.onSessionRevoked?.(sessionId);
    await Promise.all(
      [...streams.values()].map(({ stream }) =>
        stream.revokeWhere(
          (s) => s.data.actor.type === "user" && s.data.actor.sessionId === sessionId,
          "session_revoked",
        ),
      ),
    );
  }

  async function streamFor(nsp: OrgNamespace): Promise<OrgStream> {
    const existing = streams.get(nsp.name);
    if (existing && existing.stream.nsp === nsp) return existing.stream;
    const orgId = nsp.name.slice("/orgs/".length);
    const stream = new OrgStream(orgId, nsp, { db, log, snapshot, guard, replayReads, metrics: deps.metrics });
    const entry: StreamEntry = { stream, unsubscribe: () => {}, subscribed: false };
    streams.set(nsp.name, entry);
    // Subscribe before the first attach reads the head, so nothing falls between the two. While
    // the bus is down the subscription waits for it; the head poller covers that stretch.
    const subscribed = bus
      .subscribe(orgChannel(orgId), (m) => {
        if ("delivery" in (m as object)) {
          const { delivery, from } = m as DeliveryMessage;
          if (from !== nodeId) emitDelivery(stream.nsp, delivery);
          return;
        }
        const message = m as EventBatchMessage;
        // Our own commit, acknowledged by the sink itself (it was counted): nothing left to do.
        if (message.ack && selfAcked.has(message.ack.id)) return;
        // Our own commit: the local hand-off already has it; acknowledge once it applied.
        const local = message.ack && message.ack.node === nodeId ? localApplied.get(message.ack.id) : undefined;
        (local ?? stream.ingest(message.events))
          .then(() => ackTo(message.ack))
          .catch((err) => log.error({ err, orgId }, "ingesting a batch failed"));
      })
      .then(async (unsubscribe) => {
        entry.unsubscribe = unsubscribe;
        entry.subscribed = true;
        if (streams.get(nsp.name) !== entry) await unsubscribe(); // released meanwhile
      })
      .catch((err) => log.warn({ err, orgId }, "bus subscription failed; relying on the head poller"));
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    return stream;
  }

  function emitDelivery(nsp: OrgNamespace, delivery: WebhookDelivery) {
    nsp.to([ROOM_AUDIT, ROOM_OWNERS]).emit("delivery", delivery);
  }

  async function releaseIfEmpty(nsp: OrgNamespace) {
    dropIfUnused(nsp);
    const entry = streams.get(nsp.name);
    if (!entry || entry.stream.nsp !== nsp || nsp.sockets.size > 0) return;
    streams.delete(nsp.name);
    await entry.unsubscribe();
  }

  /**
   * Forgets an org namespace once nothing is connected to it or connecting. Socket.IO's own
   * `cleanupEmptyChildNamespaces` looks only at connected sockets: a handshake refused while
   * another was in flight dropped the namespace, and the accepted socket then joined an orphan
   * that no stream, broadcast or revocation of this hub could reach.
   */
  function dropIfUnused(nsp: OrgNamespace) {
    const connecting = (nsp as unknown as { _preConnectSockets: Map<string, unknown> })._preConnectSockets;
    if (nsp.sockets.size > 0 || connecting.size > 0 || io._nsps.get(nsp.name) !== nsp) return;
    io._nsps.delete(nsp.name);
    (parent as unknown as { children: Set<unknown> }).children.delete(nsp);
    nsp.adapter.close();
  }

  // The default namespace serves nothing: only org namespaces carry events.
  io.use((_socket, next) => next(new Error("not_found")));

  const parent = io.of(ORG_NAMESPACE);
  parent.use(async (socket, next) => {
    const conn = socket.conn;
    const name = socket.nsp.name;
    // One socket per namespace per connection, and a bounded number of namespaces: refused at
    // once, before any database work.
    const refusal = guard.claim(conn, name);
    if (refusal) {
      guard.failed(conn); // a well-behaved client never does this: it counts toward closing the connection
      return next(new Error(refusal));
    }
    let admitted = false;
    try {
      const parsed = handshakeAuth.safeParse(socket.handshake.auth ?? {});
      const outcome = parsed.success
        ? await guard.admit(conn, async () => {
            const actor = await tokens.resolve(parsed.data.token);
            if (!actor) return "unauthenticated" as const;
            const orgId = name.slice("/orgs/".length);
            const access = await handshakeAccess.run({ actor, orgId });
            if (!access) return "forbidden" as const;
            // Current state: a member who has just enrolled is let in at once.
            if (access.mfaMissing) return "mfa_required" as const;
            return { orgId, actor };
          })
        : ("unauthenticated" as const);
      if (typeof outcome === "string") {
        guard.failed(conn);
        return next(new Error(outcome));
      }
      socket.data = { orgId: outcome.orgId, actor: outcome.actor, since: parsed.data?.since };
      admitted = true;
      next();
    } catch (err) {
      log.error({ err }, "handshake failed");
      next(new Error("unavailable"));
    } finally {
      if (!admitted) {
        arrivals.settled(conn);
        guard.release(conn, name);
        // After Socket.IO has removed the refused socket (on a later tick).
        setImmediate(() => dropIfUnused(socket.nsp as OrgNamespace));
      }
    }
  });
  parent.on("connection", (socket: OrgSocket) => {
    const nsp = socket.nsp as OrgNamespace;
    socket.on("disconnect", () => {
      guard.release(socket.conn, nsp.name);
      releaseIfEmpty(nsp).catch((err) => log.warn({ err }, "releasing an org stream failed"));
    });
    streamFor(nsp)
      .then((stream) => stream.attach(socket))
      .catch((err) => log.error({ err }, "attach failed"))
      .finally(() => arrivals.settled(socket.conn));
  });

  // The backstop that makes delivery independent of the bus: compare cursors with the heads.
  async function pollHeads() {
    for (const { stream } of streams.values()) stream.trimRecent();
    const active = [...streams.values()].map((e) => e.stream).filter((s) => s.delivered >= 0);
    if (active.length === 0) return;
    const headOf = await headsOf(db, [...new Set(active.map((s) => s.orgId))]);
    await Promise.all(active.map((s) => s.syncTo(headOf.get(s.orgId) ?? 0)));
  }
  const catchUp = () => void pollHeads().catch((err) => log.warn({ err }, "head poll failed"));
  const poller = setInterval(catchUp, deps.headPollMs ?? 1_000);
  poller.unref();
  const unsubscribeReconnect = bus.onReconnect(() => {
    deps.metrics?.busReconnects.inc();
    catchUp();
  });

  /** Hands a commit to local sockets at once, then to other nodes; waits for acks when access changed. */
  const sink: EventSink = {
    async committed(events) {
      const orgId = events[0]?.orgId;
      if (!orgId) return;
      const ack = events.some(changesAccess) ? { node: nodeId, id: acks.newId() } : undefined;
      // Publish first: the command is on the wire before the local broadcast takes the event loop.
      // A failure is handled here at once (the commit stands; other nodes catch up from Postgres).
      const published = bus.publish(orgChannel(orgId), { events, ack } satisfies EventBatchMessage).catch((err) => {
        log.warn({ err, orgId, seq: events.at(-1)?.seq }, "publish failed; nodes will fill the gap from Postgres");
        return undefined;
      });
      // One lookup, not a scan of every stream on the node: streams are keyed by namespace name.
      const entry = streams.get(`/orgs/${orgId}`);
      const local = entry?.stream;
      // A commit that changes nobody's access answers at once: it must not wait in the org's queue
      // behind a reconnect storm's attaches, nor for its own local broadcast, nor for Redis to
      // confirm the PUBLISH already written to it (a lost one is filled from Postgres, above). The
      // queue keeps its order either way.
      if (!ack) {
        void local?.ingest(events);
        void published;
        return;
      }
      let releaseBroadcast = () => {};
      const hold = new Promise<void>((resolve) => (releaseBroadcast = resolve));
      // Subscribed before the publish, this node is one of the receivers PUBLISH counts. It acks
      // itself once applied, not through its subscription: applying a revocation can empty the
      // namespace and end the subscription before its own message comes back.
      const counted = entry?.subscribed === true;
      const applied = local ? local.ingest(events, hold) : Promise.resolve();
      localApplied.set(ack.id, applied);
      try {
        await applied;
        if (counted) {
          selfAcked.add(ack.id);
          acks.receive(ack.id);
        }
        const receivers = await published;
        if (receivers !== undefined) await awaitAcks(ack.id, receivers, { orgId, seq: events.at(-1)?.seq });
      } finally {
        // On the next turn, so the HTTP answer is written before the local broadcast starts.
        setImmediate(releaseBroadcast);
        localApplied.delete(ack.id);
        // Our own message may still be on its way back: forget the id a little later.
        if (counted) setTimeout(() => selfAcked.delete(ack.id), 5_000).unref();
      }
    },
  };

  async function awaitAcks(id: string, expected: number, about: Record<string, unknown>) {
    const started = performance.now();
    const missing = await acks.expect(id, expected, ackTimeoutMs);
    deps.metrics?.revocationAck.observe((performance.now() - started) / 1000);
    if (missing > 0) log.warn({ ...about, missing, expected }, "revocation not acknowledged in time by some nodes");
  }

  const revocations: SessionRevocations = {
    async sessionRevoked(sessionId) {
      await revokeSessionLocally(sessionId);
      const ack = { node: nodeId, id: acks.newId() };
      try {
        const receivers = await bus.publish(SESSIONS_CHANNEL, { sessionId, ack } satisfies SessionRevokeMessage);
        await awaitAcks(ack.id, receivers, { sessionId });
      } catch (err) {
        log.warn({ err }, "session revocation not broadcast; other nodes refuse the token from now on");
      }
    },
  };

  return {
    sink,
    revocations,
    /** Shows a webhook delivery attempt to the org's owner sockets on every node. */
    publishDelivery(orgId: string, delivery: WebhookDelivery) {
      const local = streams.get(`/orgs/${orgId}`)?.stream;
      if (local) emitDelivery(local.nsp, delivery);
      bus
        .publish(orgChannel(orgId), { delivery, from: nodeId } satisfies DeliveryMessage)
        .catch((err) => log.debug({ err, orgId }, "delivery not shown live on other nodes"));
    },
    async close() {
      clearInterval(poller);
      unsubscribeReconnect();
      await unsubscribeAcks();
      await unsubscribeSessions();
      for (const entry of streams.values()) await entry.unsubscribe();
      streams.clear();
    },
  };
}

export type RealtimeHub = Awaited<ReturnType<typeof createRealtimeHub>>;
