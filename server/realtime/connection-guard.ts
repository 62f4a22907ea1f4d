import type { Logger } from "pino";
import type { Socket as EngineSocket } from "socket.io";

type Conn = EngineSocket["conn"];

export interface ConnectionLimits {
  /** Org namespaces one connection may hold (connected or in handshake). */
  maxNamespaces: number;
  /** Bytes a node keeps queued for one connection before it drops the connection. */
  maxBufferedBytes: number;
  /** Handshakes of one connection that run at once; the others wait their turn. */
  handshakesPerConnection: number;
  /**
   * Handshake reads of Postgres in flight at once on this node (token lookups that miss the cache,
   * and batched access checks), so a flood cannot drain the pool.
   */
  handshakesPerNode: number;
  /** Failed handshakes after which a connection is closed. */
  maxFailedHandshakes: number;
  /** New connections worked on at once, from handshake to attach (`arrivals.ts`). */
  arrivalsPerNode: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxNamespaces: 50,
  maxBufferedBytes: 8 * 1024 * 1024,
  handshakesPerConnection: 4,
  handshakesPerNode: 8,
  maxFailedHandshakes: 20,
  arrivalsPerNode: 100,
};

/** Why a namespace CONNECT is refused before any work is done for it. */
export type ClaimRefusal = "already_connected" | "too_many_namespaces";

interface ConnState {
  namespaces: Set<string>;
  failures: number;
  /** Namespace CONNECT packets read in this turn of the event loop. */
  connectsThisTurn: number;
  /** Bytes of packets in engine.io's write buffer (not yet handed to the transport). */
  pending: number;
  handshakes: Semaphore;
}

/**
 * Per-connection bookkeeping that Socket.IO does not do: one socket per namespace, a cap on
 * namespaces, bounded handshakes (per connection and per node) and bounded buffered bytes. A
 * reader that stops reading, or a connection that floods CONNECT packets, costs the node a bounded
 * amount of memory and database time. See ./README.md, "Per-connection bounds".
 */
export class ConnectionGuard {
  readonly #states = new WeakMap<Conn, ConnState>();
  /** TCP sockets `writeFrame` wrote to in this turn, corked until it ends. */
  readonly #corked = new Set<RawTcpSocket>();
  /** Shared by every handshake read of Postgres on this node (see `handshakesPerNode`). */
  readonly handshakeReads: Semaphore;

  constructor(
    readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.handshakeReads = new Semaphore(limits.handshakesPerNode);
  }

  /** Called for every engine.io connection: tracks its buffered bytes and drops it past the bound. */
  track(conn: Conn): void {
    const state: ConnState = {
      namespaces: new Set(),
      failures: 0,
      connectsThisTurn: 0,
      pending: 0,
      handshakes: new Semaphore(this.limits.handshakesPerConnection),
    };
    this.#states.set(conn, state);
    batchWrites(conn.transport);
    conn.on("upgrade", (transport: Conn["transport"]) => batchWrites(transport));
    conn.on("packetCreate", (packet: { data?: unknown }) => {
      state.pending += sizeOf(packet.data);
      const held = this.buffered(conn);
      if (held > this.limits.maxBufferedBytes) this.#dropStalled(conn, held);
    });
    conn.on("packet", (packet: { type: string; data?: unknown }) => {
      if (packet.type === "message" && typeof packet.data === "string" && packet.data.startsWith("0"))
        this.#countConnect(conn, state);
    });
    conn.on("flush", () => {
      state.pending = 0; // handed to the transport, where `bufferedAmount` counts it
    });
  }

  /**
   * Writes a finished websocket frame (built once for many sockets: a broadcast, a replayed event)
   * to the connection's TCP socket, when that keeps the connection's order: it is open on the websocket
   * transport, not upgrading, and engine.io holds no packet that would have to go first. Answers
   * false, writing nothing, otherwise; the caller then goes through engine.io. The bound on
   * buffered bytes holds here too. See ./README.md, "Fan-out".
   */
  writeFrame(conn: Conn, frame: Buffer): boolean {
    const c = conn as unknown as { writeBuffer: unknown[]; upgrading: boolean };
    if (conn.readyState !== "open" || c.upgrading || c.writeBuffer.length > 0) return false;
    const ws = (conn.transport as unknown as { socket?: RawWebSocket }).socket;
    const raw = ws?._socket;
    const compressing = (conn.transport as unknown as { opts?: { perMessageDeflate?: unknown } }).opts
      ?.perMessageDeflate;
    if (conn.transport.name !== "websocket" || compressing || ws?.readyState !== 1 || !raw?.writable) return false;
    if (!this.#corked.has(raw)) {
      // Held until this turn's synchronous work and promise jobs are done: the broadcasts of a
      // burst (a gap fill's page, events queued behind a storm's attaches) leave in one write.
      raw.cork();
      this.#corked.add(raw);
      if (this.#corked.size === 1) process.nextTick(this.#uncorkAll);
    }
    raw.write(frame);
    const held = transportBuffered(conn);
    if (held > this.limits.maxBufferedBytes) this.#dropStalled(conn, held);
    return true;
  }

  /**
   * Socket.IO makes a namespace and a socket for every CONNECT as its frame is parsed, and a node
   * parses all it has read of a connection in one turn: a flood of CONNECTs cost work in
   * proportion to the bytes sent before the failed-handshake bound could act. A well-behaved client
   * never sends more CONNECTs at once than it may hold namespaces; past that plus the failures it
   * may have, the connection is closed at once and the rest of the burst is read and ignored.
   */
  #countConnect(conn: Conn, state: ConnState): void {
    if (state.connectsThisTurn === 0) setImmediate(() => (state.connectsThisTurn = 0));
    state.connectsThisTurn++;
    if (state.connectsThisTurn === this.limits.maxNamespaces + this.limits.maxFailedHandshakes + 1) {
      this.log.warn("a burst of CONNECTs; closing the connection");
      drop(conn);
    }
  }

  /** Past the bound on buffered bytes: the client resumes with `since` once it reads again. */
  #dropStalled(conn: Conn, bytes: number): void {
    this.log.warn({ bytes }, "connection does not read; dropping it");
    drop(conn);
  }

  readonly #uncorkAll = () => {
    for (const raw of this.#corked) raw.uncork();
    this.#corked.clear();
  };

  /** Bytes this node holds for the connection: engine.io's buffer plus the transport's. */
  buffered(conn: Conn): number {
    return (this.#states.get(conn)?.pending ?? 0) + transportBuffered(conn);
  }

  /**
   * Resolves true once the connection's buffered bytes fall below `lowWater`, false if it closes
   * first. Replays wait on this before each page: a reader that stops reading pauses its replay.
   */
  async drained(conn: Conn, lowWater: number): Promise<boolean> {
    while (conn.readyState === "open" && this.buffered(conn) >= lowWater) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          conn.transport.off("drain", done);
          conn.off("close", done);
          resolve();
        };
        // The transport's drain says a write finished; the timer covers an upgrade meanwhile.
        const timer = setTimeout(done, 50);
        conn.transport.once("drain", done);
        conn.once("close", done);
      });
    }
    return conn.readyState === "open";
  }

  /** Claims `namespace` on the connection, or says why not. Release it when the socket ends. */
  claim(conn: Conn, namespace: string): ClaimRefusal | undefined {
    const state = this.#states.get(conn);
    if (!state) return undefined;
    if (state.namespaces.has(namespace)) return "already_connected";
    if (state.namespaces.size >= this.limits.maxNamespaces) return "too_many_namespaces";
    state.namespaces.add(namespace);
    return undefined;
  }

  release(conn: Conn, namespace: string): void {
    this.#states.get(conn)?.namespaces.delete(namespace);
  }

  /**
   * Runs a handshake within the per-connection bound. Its reads of Postgres take `handshakeReads`
   * themselves, batched with the other handshakes of the node.
   */
  async admit<T>(conn: Conn, work: () => Promise<T>): Promise<T> {
    const state = this.#states.get(conn);
    const release = state ? await state.handshakes.acquire() : () => {};
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Counts a refused handshake; a connection that keeps guessing is closed. */
  failed(conn: Conn): void {
    const state = this.#states.get(conn);
    if (!state) return;
    state.failures++;
    if (state.failures === this.limits.maxFailedHandshakes) {
      this.log.warn("too many failed handshakes; closing the connection");
      // After this packet's connect_error is written, so the client learns why.
      setImmediate(() => drop(conn));
    }
  }
}

/** A counting semaphore with a FIFO queue. */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

function sizeOf(data: unknown): number {
  if (typeof data === "string") return data.length;
  if (data && typeof (data as { byteLength?: number }).byteLength === "number") {
    return (data as { byteLength: number }).byteLength;
  }
  return 0;
}

/**
 * Makes one write of each flush of packets. Engine.io hands a websocket transport the packets
 * queued since its last write as one `send`, and `ws` writes each as its own frame: without this a
 * replay of 50 events costs 50 system calls, with it one. Corked, the frames go out together when
 * `send` returns.
 */
function batchWrites(transport: Conn["transport"]): void {
  const raw = (transport as unknown as { socket?: { _socket?: { cork(): void; uncork(): void } } }).socket?._socket;
  const t = transport as unknown as { send(packets: unknown[]): void };
  if (!raw || typeof t.send !== "function") return;
  const send = t.send;
  t.send = function (this: unknown, packets: unknown[]) {
    if (packets.length < 2) return send.call(this, packets);
    raw.cork();
    try {
      send.call(this, packets);
    } finally {
      raw.uncork();
    }
  };
}

/** The parts of a `ws` WebSocket that `writeFrame` reads: its state and its TCP socket. */
interface RawTcpSocket {
  writable: boolean;
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}
interface RawWebSocket {
  readyState: number;
  _socket?: RawTcpSocket;
}

/** The websocket transport's `ws` keeps what the kernel did not take yet; polling keeps nothing. */
function transportBuffered(conn: Conn): number {
  const ws = (conn.transport as unknown as { socket?: { bufferedAmount?: number } }).socket;
  return typeof ws?.bufferedAmount === "number" ? ws.bufferedAmount : 0;
}

/** Closes the connection and frees its buffers now, rather than after a closing handshake. */
function drop(conn: Conn): void {
  const ws = (conn.transport as unknown as { socket?: { terminate?: () => void } }).socket;
  conn.close();
  ws?.terminate?.();
}
