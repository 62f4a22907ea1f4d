import type { IncomingMessage } from "node:http";
import type { Socket as EngineSocket } from "socket.io";

type Conn = EngineSocket["conn"];
type Verdict = (err: string | null | undefined, success: boolean) => void;

/**
 * Bounds the new connections a node works on at once, so a reconnect storm cannot starve HTTP.
 *
 * A new connection costs the node little until engine.io answers its handshake; after that come
 * the Socket.IO CONNECT, the token and access checks, the attach and the replay, all on the event
 * loop the node's HTTP requests share. Let in all at once, the thousands of a dead node's clients
 * make every turn of the loop long, and a mutation, which needs several turns (one per round trip
 * to Postgres), waits seconds. Here engine.io's `allowRequest` lets `size` connections through
 * at a time; the others wait, parked before their handshake, in arrival order. A connection keeps
 * its place until its first namespace is attached or refused, until it closes, or for `holdMs`
 * at most (a client that opens a transport and never asks for a namespace gives its place up).
 */
export class ArrivalGate {
  #inside = 0;
  readonly #waiting: { req: IncomingMessage; verdict: Verdict }[] = [];
  /** Places taken by requests whose connection engine.io has not opened yet, by request. */
  readonly #byRequest = new WeakMap<IncomingMessage, () => void>();
  /** Places held by open connections, by connection. */
  readonly #byConn = new WeakMap<Conn, () => void>();

  constructor(
    readonly size: number,
    readonly holdMs: number,
  ) {}

  /** engine.io's `allowRequest`: called for each new connection's handshake request. */
  readonly allowRequest = (req: IncomingMessage, verdict: Verdict): void => {
    if (this.#inside < this.size) this.#letIn(req, verdict);
    else this.#waiting.push({ req, verdict });
  };

  /** engine.io opened the connection of a request let in: its place now follows the connection. */
  opened(conn: Conn): void {
    const release = this.#byRequest.get(conn.request);
    if (!release) return;
    this.#byRequest.delete(conn.request);
    this.#byConn.set(conn, release);
    conn.once("close", () => this.settled(conn));
  }

  /** The connection's first namespace was attached or refused: its place goes to the next one. */
  settled(conn: Conn): void {
    const release = this.#byConn.get(conn);
    if (!release) return;
    this.#byConn.delete(conn);
    release();
  }

  #letIn(req: IncomingMessage, verdict: Verdict): void {
    this.#inside++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      this.#inside--;
      this.#next();
    };
    const timer = setTimeout(release, this.holdMs);
    timer.unref();
    this.#byRequest.set(req, release);
    verdict(null, true);
  }

  #next(): void {
    while (this.#inside < this.size) {
      const next = this.#waiting.shift();
      if (!next) return;
      // Gone while it waited: nothing to hand a handshake to. engine.io answers the refusal on a
      // closed socket, which is a no-op, and the place goes to the next one.
      if (next.req.socket.destroyed) next.verdict("closed while waiting", false);
      else this.#letIn(next.req, next.verdict);
    }
  }
}
