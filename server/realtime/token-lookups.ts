import { createHash } from "node:crypto";
import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Actor } from "../core/actor.js";
import type { Semaphore } from "./connection-guard.js";

/**
 * Token lookups for socket handshakes: the many handshakes of one token in a reconnect storm share
 * one lookup in flight, and lookups read Postgres within the node's handshake bound. Recent
 * session lookups are remembered by the session resolver itself (auth/authenticate.ts), which
 * every revocation of the session clears on every node.
 */
export class HandshakeTokenLookups {
  /** Lookups in flight, by token hash. */
  readonly #pending = new Map<string, Promise<Actor | undefined>>();

  constructor(
    private readonly authenticate: TokenAuthenticator,
    /** Bounds the lookups that read Postgres at once. */
    private readonly reads: Semaphore,
  ) {}

  resolve(token: string): Promise<Actor | undefined> {
    const key = createHash("sha256").update(token).digest("base64");
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const lookup = this.#lookup(token).finally(() => this.#pending.delete(key));
    this.#pending.set(key, lookup);
    return lookup;
  }

  async #lookup(token: string): Promise<Actor | undefined> {
    const release = await this.reads.acquire();
    try {
      return await this.authenticate(token);
    } finally {
      release();
    }
  }
}
