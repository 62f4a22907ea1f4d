import { createHash } from "node:crypto";
import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Actor } from "../core/actor.js";
import type { Semaphore } from "./connection-guard.js";

const TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/**
 * Remembers for a few seconds which session a token resolved to at a socket handshake, so a
 * reconnect storm does not look every token up again. It can never grant access that ended: the
 * attach re-reads the credential's liveness in its snapshot (see ./README.md, "Attach"), and the
 * revocations that end a credential also drop its entries here. Tokens are kept only as hashes.
 */
export class HandshakeTokenCache {
  readonly #entries = new Map<string, { actor: Actor; until: number }>();
  /** Lookups in flight, so the many handshakes of one storm share one. */
  readonly #pending = new Map<string, Promise<Actor | undefined>>();

  constructor(
    private readonly authenticate: TokenAuthenticator,
    /** Bounds the lookups that miss the cache and read Postgres at once. */
    private readonly reads: Semaphore,
  ) {}

  async resolve(token: string): Promise<Actor | undefined> {
    const key = createHash("sha256").update(token).digest("base64");
    const hit = this.#entries.get(key);
    if (hit && hit.until > Date.now()) return hit.actor;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const lookup = this.#lookup(token).finally(() => this.#pending.delete(key));
    this.#pending.set(key, lookup);
    const actor = await lookup;
    if (!actor) {
      this.#entries.delete(key);
      return undefined;
    }
    // Sessions only: their revocations reach every node (the `sessions` channel). A key's revocation
    // reaches only the nodes holding its org's stream, so another node could keep a stale entry.
    if (actor.type !== "user") return actor;
    if (this.#entries.size >= MAX_ENTRIES) this.#evictExpired();
    if (this.#entries.size < MAX_ENTRIES) this.#entries.set(key, { actor, until: Date.now() + TTL_MS });
    return actor;
  }

  async #lookup(token: string): Promise<Actor | undefined> {
    const release = await this.reads.acquire();
    try {
      return await this.authenticate(token);
    } finally {
      release();
    }
  }

  /** A session ended (logout, expiry): its tokens resolve afresh from now on. */
  dropSession(sessionId: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.actor.type === "user" && entry.actor.sessionId === sessionId) this.#entries.delete(key);
    }
  }

  #evictExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
  }
}
