import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { Server as SocketServer } from "socket.io";
import { usableKeyIds } from "./api-keys/api-keys.repository.js";
import { apiKeyResolver, apiKeysModule } from "./api-keys/index.js";
import { auditModule } from "./audit/index.js";
import { liveSessionIds } from "./auth/auth.repository.js";
import { createTokenAuthenticator, sessionResolver } from "./auth/authenticate.js";
import { authModule } from "./auth/index.js";
import { loadMfaKey } from "./auth/mfa-key.js";
import { sessionCutoffs } from "./auth/session-lifetime.js";
import { createMfaCipher } from "./auth/totp.js";
import { billingModule } from "./billing/index.js";
import { openBus } from "./bus/index.js";
import type { Config } from "./config.js";
import { createRateLimiter } from "./core/rate-limit.js";
import { type Db, openDatabase, openReadReplica } from "./db/database.js";
import { migrateToLatest } from "./db/migrate.js";
import type { EventSink } from "./events/unit-of-work.js";
import { addAcceptors } from "./http/acceptors.js";
import { createHttpApp } from "./http/app.js";
import { invitationsModule } from "./invitations/index.js";
import { createMailer, type Mailer } from "./mail/index.js";
import { membersModule } from "./members/index.js";
import { countOrgSockets, createMetrics, type Metrics } from "./metrics/metrics.js";
import { type MetricsServer, serveMetrics } from "./metrics/server.js";
import { createNotifier } from "./notifications/index.js";
import { orgsModule } from "./orgs/index.js";
import { listOrgsOfUser } from "./orgs/orgs.repository.js";
import { projectIdsOfPairs, projectsModule } from "./projects/index.js";
import { createRealtimeHub, type OrgServer } from "./realtime/hub.js";
import { deleteResourcesOfProject, resourcesModule } from "./resources/index.js";
import { webhooksModule } from "./webhooks/index.js";

export interface OrgwireNode {
  app: ReturnType<typeof createHttpApp>;
  db: Db;
  config: Config;
  server: HttpServer;
  io: OrgServer;
  port: number;
  /** This node's Prometheus registry and metrics (its own, not prom-client's global one). */
  metrics: Metrics;
  /** The port /metrics is served on when METRICS_PORT is set (the actual one, for METRICS_PORT=0). */
  metricsPort?: number;
  log: Logger;
  /** Invitation mail: SMTP, or the dev outbox when SMTP_URL is unset. */
  mailer: Mailer;
  /** SIGTERM behaviour: stop accepting, send sockets elsewhere, finish in-flight requests. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Log lines are written in batches (at most 4 KiB or 200 ms old) rather than one write per line:
 * under load the request log's writes cost more CPU than the requests. pino flushes what is left
 * when the process exits.
 */
function createLogger(config: Config): Logger {
  const destination = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 200).unref();
  return pino({ level: config.LOG_LEVEL, base: { node: config.NODE_ID } }, destination);
}

const LISTEN_BACKLOG = 4096;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** The composition root: opens the services, wires the domains, listens. */
export async function startNode(config: Config, logger?: Logger): Promise<OrgwireNode> {
  const log = logger ?? createLogger(config);
  const database = await openDatabase(config);
  await migrateToLatest(database);
  const { db } = database;
  // Audit reads and exports only (server/audit/index.ts says which); lazy, so a replica that is down
  // fails those reads, not the node's start or its readiness.
  const replica = config.DATABASE_READ_URL
    ? openReadReplica(config.DATABASE_READ_URL, config.DATABASE_PREPARED_STATEMENTS)
    : undefined;
  const bus = await openBus(config, (err) => log.warn({ err: err.message }, "bus error"));
  const limiter = createRateLimiter({
    redisUrl: config.REDIS_URL,
    clusterNodes: config.REDIS_CLUSTER_NODES,
    prefix: `${config.REDIS_PREFIX}rl:`,
    log,
  });
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, publicUrl: config.PUBLIC_URL, log });

  const sessions = sessionResolver(db, config);
  const authenticator = createTokenAuthenticator([sessions, apiKeyResolver(db)]);
  let draining = false;
  // The server exists before the app so Socket.IO (and the hub the services need) can attach to it.
  let app: ReturnType<typeof createHttpApp> | undefined;
  const server = createAdaptorServer({
    fetch: (request: Request, env: unknown) => (app as NonNullable<typeof app>).fetch(request, env),
  }) as HttpServer;
  // Idle keep-alive connections outlive the load balancer's (deploy/nginx.conf keeps its pool 60 s):
  // closed by the node first, a pooled connection can take a request in the moment it closes,
  // which the client sees as a failed request. The pool also keeps HTTP out of the accept queue
  // that a reconnect storm fills.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const io: OrgServer = new SocketServer(server, { serveClient: false });
  const metrics = createMetrics({ countSockets: () => countOrgSockets(io) });
  const hub = await createRealtimeHub({
    io,
    db,
    bus,
    log,
    nodeId: config.NODE_ID,
    authenticator,
    onSessionRevoked: (sessionId) => sessions.forget(sessionId),
    loadProjectIds: projectIdsOfPairs,
    credentialsLive: async (exec, actors) => {
      const sessions = await liveSessionIds(
        exec,
        actors.flatMap((a) => (a.type === "user" ? [a.sessionId] : [])),
        sessionCutoffs(config),
      );
      const keys = await usableKeyIds(
        exec,
        actors.flatMap((a) => (a.type === "api_key" ? [a.keyId] : [])),
      );
      return actors.map((a) => (a.type === "user" ? sessions.has(a.sessionId) : keys.has(a.keyId)));
    },
    connectionLimits: {
      maxNamespaces: config.SOCKET_MAX_NAMESPACES,
      maxBufferedBytes: config.SOCKET_MAX_BUFFERED_BYTES,
      handshakesPerConnection: config.HANDSHAKES_PER_CONNECTION,
      handshakesPerNode: config.HANDSHAKES_PER_NODE,
      arrivalsPerNode: config.SOCKET_ARRIVALS_PER_NODE,
      maxFailedHandshakes: config.SOCKET_MAX_FAILED_HANDSHAKES,
    },
    headPollMs: config.HEAD_POLL_MS,
    ackTimeoutMs: config.REVOCATION_ACK_TIMEOUT_MS,
    metrics,
  });

  // Outbound workers (webhooks) look for work after each local commit; set once they exist.
  let afterCommit = () => {};
  const sink: EventSink = {
    committed(events) {
      // Every org mutation's commit comes through here (server/events/unit-of-work.ts), once.
      metrics.eventsAppended.inc(events.length);
      afterCommit();
      return hub.sink.committed(events);
    },
  };
  const mfaKey = await loadMfaKey(config, log);
  const deps = { db, config, log, limiter, authenticator, sink, revocations: hub.revocations };
  const auth = authModule({
    ...deps,
    mfaKey,
    // MFA turned on or off is an event in each org of the member (and may revoke their sockets).
    onMfaChanged: async (scope, enabled) => {
      for (const { orgId, err } of await members.service.recordMfaChange(scope, enabled)) {
        log.error({ err, orgId, userId: scope.actor.userId }, "member.mfa_changed not recorded");
      }
    },
    orgsOfUser: async (userId) =>
      (await listOrgsOfUser(db, userId, { limit: 1000 })).map((o) => ({ id: o.id, name: o.name, role: o.role })),
  });
  const apiKeys = apiKeysModule(deps);
  const audit = auditModule({ ...deps, readDb: replica?.db ?? db });
  const projects = projectsModule({ ...deps, deletionHooks: [deleteResourcesOfProject] });
  const invitations = invitationsModule({ ...deps, mailer });
  const members = membersModule({
    ...deps,
    removalHooks: [apiKeys.service.onMemberRemoved],
  });
  // The MFA key also encrypts webhook signing secrets (each with its webhook's id as associated data).
  const webhooks = webhooksModule({
    ...deps,
    cipher: createMfaCipher(mfaKey),
    onAttempt: (orgId, delivery) => hub.publishDelivery(orgId, delivery),
  });
  const notifier = createNotifier({
    db,
    log,
    mailer,
    nodeId: config.NODE_ID,
    publicUrl: config.PUBLIC_URL,
    leaseMs: config.OUTBOUND_LEASE_MS,
    pollMs: config.OUTBOUND_POLL_MS,
  });
  afterCommit = () => {
    webhooks.nudge();
    notifier.nudge();
  };
  app = createHttpApp({
    logger: log,
    trustProxy: config.TRUST_PROXY,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    routers: [
      ...auth.routes,
      orgsModule(deps).routes,
      members.routes,
      ...audit.routes,
      apiKeys.routes,
      invitations.routes,
      projects.routes,
      resourcesModule(deps).routes,
      billingModule(deps).routes,
      webhooks.routes,
    ],
    health: {
      live: () => true,
      ready: async () => !draining && (await database.ping()) && (await bus.ping()),
    },
    metrics: { ...metrics, servePublic: config.METRICS_PORT === undefined },
  });
  // METRICS_PORT: /metrics on a port of its own, off the one the load balancer publishes.
  const metricsServer: MetricsServer | undefined =
    config.METRICS_PORT === undefined
      ? undefined
      : await serveMetrics(metrics.registry, { port: config.METRICS_PORT, host: config.HOST });

  // A deep accept queue: when a node dies, its clients all reconnect here at once, and a refused
  // SYN costs a client a TCP retransmit (1 s, then 3, 7, …), far more than queueing (the kernel caps
  // it at net.core.somaxconn).
  await new Promise<void>((resolve) =>
    server.listen({ port: config.PORT, host: config.HOST, backlog: LISTEN_BACKLOG }, resolve),
  );
  // More accepts per turn help a reconnect storm; without them the node still serves, on one handle.
  const closeAcceptors = await addAcceptors(server, config.LISTEN_ACCEPTORS - 1, LISTEN_BACKLOG).catch((err: Error) => {
    log.warn({ err: err.message }, "extra accepting handles not set up; accepting on one");
    return () => {};
  });
  const port = (server.address() as AddressInfo).port;
  log.info(
    { port, database: database.kind, readReplica: replica !== undefined, bus: bus.kind },
    "orgwire node listening",
  );

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutdown());
  async function shutdown() {
    auth.stop();
    apiKeys.stop();
    audit.stop();
    await webhooks.stop();
    await notifier.stop();
    closeAcceptors();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await hub.close();
    await limiter.close();
    mailer.close();
    await bus.close();
    await database.close();
    await replica?.close();
    await metricsServer?.close();
  }

  return {
    app,
    db,
    config,
    server,
    io,
    port,
    metrics,
    metricsPort: metricsServer?.port,
    log,
    mailer,
    async drain() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeAcceptors();
      // Closing the transport (not the namespaces) makes clients reconnect, to another node.
      io.engine.close();
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS).unref());
      await Promise.race([closed, grace]);
      server.closeAllConnections();
      await close();
    },
    close,
  };
}
