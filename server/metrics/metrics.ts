import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Every metric a node exports, on a registry of its own: tests run several nodes in one process,
 * and prom-client's global registry would add their counts together (or refuse the second
 * registration of a name).
 */
export interface Metrics {
  registry: Registry;
  /** Org-namespace sockets attached to this node, read from Socket.IO at scrape time. */
  sockets: Gauge;
  /** Events this node committed (counted once per event, after the transaction committed). */
  eventsAppended: Counter;
  /** Events this node broadcast live to its sockets: one per event per node, not per receiving socket. */
  eventsDelivered: Counter;
  /** From the event's transaction timestamp to its live broadcast on this node. */
  deliveryLag: Histogram;
  /** How long an access-changing commit (or a session revocation) waited for other nodes' acks. */
  revocationAck: Histogram;
  /** Times a stream read events it missed from Postgres (bus loss, head poll, attach). */
  gapFills: Counter;
  busReconnects: Counter;
  httpDuration: Histogram<"method" | "route" | "status">;
}

export interface MetricsOptions {
  /** Counts the org-namespace sockets connected now; called at each scrape, never on a hot path. */
  countSockets: () => number;
}

/** Mostly sub-second: in-process delivery is milliseconds; the tail shows bus trouble and gap fills. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Up to the ack timeout (1 s by default) and a little past it, where a missing node shows. */
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  // CPU, memory, event-loop lag, GC, handles: on this registry only, like everything else.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sockets: new Gauge({
      name: "orgwire_sockets",
      help: "Org-namespace sockets attached to this node.",
      registers,
      collect() {
        this.set(options.countSockets());
      },
    }),
    eventsAppended: new Counter({
      name: "orgwire_events_appended_total",
      help: "Events committed by this node.",
      registers,
    }),
    eventsDelivered: new Counter({
      name: "orgwire_events_delivered_total",
      help: "Events broadcast live to this node's sockets (once per event, whatever the number of receiving sockets; replays excluded).",
      registers,
    }),
    deliveryLag: new Histogram({
      name: "orgwire_delivery_lag_seconds",
      help: "From an event's transaction timestamp (occurredAt) to its live broadcast on this node.",
      buckets: LAG_BUCKETS,
      registers,
    }),
    revocationAck: new Histogram({
      name: "orgwire_revocation_ack_seconds",
      help: "Time an access-changing commit or session revocation waited for other nodes' acknowledgements.",
      buckets: ACK_BUCKETS,
      registers,
    }),
    gapFills: new Counter({
      name: "orgwire_gap_fills_total",
      help: "Times a stream on this node read missed events from Postgres.",
      registers,
    }),
    busReconnects: new Counter({
      name: "orgwire_bus_reconnects_total",
      help: "Times this node's bus connection came back after a loss.",
      registers,
    }),
    httpDuration: new Histogram({
      name: "orgwire_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status.",
      labelNames: ["method", "route", "status"] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
  };
}

/** The subset the realtime hub and its streams count into. */
export type RealtimeMetrics = Pick<
  Metrics,
  "eventsDelivered" | "deliveryLag" | "revocationAck" | "gapFills" | "busReconnects"
>;

/** Sockets connected to org namespaces (`/orgs/<id>`); the default namespace refuses every socket. */
export function countOrgSockets(io: { _nsps: Map<string, { sockets: Map<string, unknown> }> }): number {
  let count = 0;
  for (const [name, nsp] of io._nsps) if (name.startsWith("/orgs/")) count += nsp.sockets.size;
  return count;
}
