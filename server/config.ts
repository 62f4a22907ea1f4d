import { z } from "zod";

/**
 * A 32-byte key, written as 64 hex characters or as base64 (`openssl rand -base64 32`; base64url
 * too). Decoded here, so a key of the wrong length stops the node at start, not at the first login.
 */
const aes256Key = z.string().transform((value, ctx) => {
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, "hex")
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, "base64")
      : undefined;
  if (key?.length === 32) return key;
  ctx.addIssue({
    code: "custom",
    message: "must be 32 bytes, as 64 hex characters or 44 base64 characters (openssl rand -base64 32)",
  });
  return z.NEVER;
});

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  /**
   * Serves `GET /metrics` (Prometheus) on this port of HOST instead of PORT, and the public port
   * answers 404 for it: keeps the node's numbers off the port the load balancer publishes.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  /**
   * A read replica of DATABASE_URL's database, for audit log pages, exports and chain verification
   * only (it lags, so nothing that must read its own writes uses it). Needs DATABASE_URL.
   */
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./.data"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional(),
  /**
   * `host:port,host:port,…`: some nodes of a Redis Cluster (any of them; the rest are discovered).
   * Set, the bus uses sharded pub/sub on the cluster instead of REDIS_URL (docs/redis-cluster.md).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value, ctx) => {
      const nodes = value.split(",").map((part) => {
        const match = /^\s*(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):(\d{1,5})\s*$/.exec(part);
        const port = Number(match?.[2]);
        return match?.[1] && port > 0 && port <= 65535 ? { host: match[1].replace(/^\[|\]$/g, ""), port } : undefined;
      });
      if (nodes.every((n) => n !== undefined)) return nodes as { host: string; port: number }[];
      ctx.addIssue({ code: "custom", message: "must be host:port pairs separated by commas" });
      return z.NEVER;
    })
    .optional(),
  /** Prefix of every Redis key and channel this deployment uses. */
  REDIS_PREFIX: z.string().min(1).default("orgwire:"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: bool.default(false),
  NODE_ID: z.string().min(1).optional(),
  LOGIN_MAX_FAILURES: positiveInt.default(10),
  LOGIN_WINDOW_SECONDS: positiveInt.default(15 * 60),
  SIGNUPS_PER_IP_PER_HOUR: positiveInt.default(1000),
  INVITATIONS_PER_ORG_PER_HOUR: positiveInt.default(100),
  /** Invitation mails one user may ask for per hour, summed over all their orgs (API keys count for their creator). */
  INVITATIONS_PER_USER_PER_HOUR: positiveInt.default(200),
  ORGS_PER_USER_PER_HOUR: positiveInt.default(1000),
  BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  /**
   * Named prepared statements for repeated SQL (server/db/prepared-statements.ts). Set false behind
   * a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  /**
   * Handles accepting on the node's listening socket: each accepts one connection per turn of the
   * event loop, so more of them drain a reconnect storm faster (server/http/acceptors.ts).
   */
  LISTEN_ACCEPTORS: z.coerce.number().int().min(1).max(64).default(32),
  /** How often live streams compare their cursor with the org's head: the bus-independent backstop. */
  HEAD_POLL_MS: positiveInt.default(1_000),
  /** How long an access-changing call waits for other nodes to acknowledge. */
  REVOCATION_ACK_TIMEOUT_MS: positiveInt.default(1_000),
  /** How often each node looks for API keys that expired, to disconnect their sockets. */
  API_KEY_EXPIRY_SWEEP_MS: positiveInt.default(5_000),
  /** A session unused (no authenticated request) this long is refused. */
  SESSION_IDLE_TIMEOUT_SECONDS: positiveInt.default(14 * 86_400),
  /** A session this old is refused, however much it is used. */
  SESSION_MAX_AGE_SECONDS: positiveInt.default(30 * 86_400),
  /** How often each node looks for sessions past a lifetime, to disconnect their sockets. */
  SESSION_SWEEP_MS: positiveInt.default(60_000),
  /** Org namespaces one Socket.IO connection may hold at once. */
  SOCKET_MAX_NAMESPACES: positiveInt.default(50),
  /** Bytes a node queues for one connection that does not read before it drops the connection. */
  SOCKET_MAX_BUFFERED_BYTES: positiveInt.default(8 * 1024 * 1024),
  /** Socket handshakes of one connection checked at once (the others wait). */
  HANDSHAKES_PER_CONNECTION: positiveInt.default(4),
  /** Socket handshakes checked against Postgres at once on a node, so floods never drain the pool. */
  HANDSHAKES_PER_NODE: positiveInt.default(8),
  /**
   * New Socket.IO connections a node works on at once (handshake to attach); the others wait
   * before their handshake, so a reconnect storm leaves turns of the event loop to HTTP.
   */
  SOCKET_ARRIVALS_PER_NODE: positiveInt.default(100),
  /** Failed socket handshakes after which a connection is closed. */
  SOCKET_MAX_FAILED_HANDSHAKES: positiveInt.default(20),
  /** How often each node prunes audit entries past their org's retention. */
  AUDIT_PRUNE_INTERVAL_MS: positiveInt.default(3_600_000),
  /** Audit exports one node runs at once (each holds about a 1 MiB page); past it 503 with Retry-After. */
  AUDIT_EXPORT_MAX_CONCURRENT: positiveInt.default(4),
  /**
   * Encrypts TOTP secrets at rest (AES-256-GCM); every node of a deployment needs the same one.
   * Unset: the node uses `DATA_DIR/mfa-encryption.key`, generated on first start (server/auth/mfa-key.ts).
   */
  MFA_ENCRYPTION_KEY: aes256Key.optional(),
  /**
   * Lets webhook URLs be http: and reach loopback, private and link-local addresses. For tests and
   * single-machine setups only: on a server it lets any owner make Orgwire call its internal network.
   */
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  /** One delivery attempt's limit, from connecting to the end of the answer. */
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  /** The first retry's delay; each next one doubles, with jitter, up to WEBHOOK_RETRY_MAX_MS. */
  WEBHOOK_RETRY_BASE_MS: positiveInt.default(5_000),
  WEBHOOK_RETRY_MAX_MS: positiveInt.default(3_600_000),
  /** How long an endpoint may fail on one event before it is turned off (`webhook.disabled`). */
  WEBHOOK_GIVE_UP_AFTER_MS: positiveInt.default(86_400_000),
  /** Webhook endpoints one node delivers to at once (each one event at a time). */
  WEBHOOK_CONCURRENCY: positiveInt.default(32),
  /** How long a node's claim on an endpoint or an org's mails lasts unless renewed: a dead node's work moves after this. */
  OUTBOUND_LEASE_MS: positiveInt.default(5_000),
  /** How often each node looks for outbound work that no commit of its own announced. */
  OUTBOUND_POLL_MS: positiveInt.default(1_000),
});

export type Config = Readonly<
  Omit<z.infer<typeof envSchema>, "PUBLIC_URL" | "NODE_ID"> & { PUBLIC_URL: string; NODE_ID: string }
>;

export class ConfigError extends Error {}

/**
 * Parses the environment once. A bad value throws a ConfigError whose message is one line naming
 * the variable; main.ts prints it and exits 1.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = issue?.path.join(".") ?? "environment";
    throw new ConfigError(`invalid ${variable}: ${issue?.message ?? "bad value"}`);
  }
  const c = result.data;
  // Refused rather than ignored: an operator who set a replica expects audit reads off the primary,
  // and the embedded database (PGlite, used without DATABASE_URL) has no replica to read from.
  if (c.DATABASE_READ_URL && !c.DATABASE_URL) {
    throw new ConfigError(
      "invalid DATABASE_READ_URL: needs DATABASE_URL (the embedded PGlite database has no replica)",
    );
  }
  return Object.freeze({
    ...c,
    PUBLIC_URL: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ""),
    NODE_ID: c.NODE_ID ?? `node-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  });
}
