/**
 * Keeps the event loop's turns short while a reconnect storm is being served.
 *
 * Node 20's libuv accepts one connection per listening socket per turn of the event loop (see
 * ./README.md, "Under a storm"). Promise chains never end a turn: a batch of 500 attaches whose
 * replays each send 50 events from memory runs as one turn of 25,000 emits, and the connections
 * queued behind it (more of the storm, and HTTP clients opening a connection) are accepted at one
 * per such turn. Work that loops over many sockets calls `yieldIfTurnLong()` between items: once
 * the current turn has run for `TURN_BUDGET_MS`, it resumes on the next turn, after the poll phase
 * has accepted a connection and served the I/O that was waiting.
 */
const TURN_BUDGET_MS = 4;

let turnStartedAt = 0;
let turnOpen = false;

/** Resolves at once while this turn is young; on the next turn once it has run long enough. */
export function yieldIfTurnLong(): Promise<void> | undefined {
  const now = performance.now();
  if (!turnOpen) {
    // The first call of a turn marks its start; the turn counts as over at the next check phase.
    turnOpen = true;
    turnStartedAt = now;
    setImmediate(closeTurn);
    return undefined;
  }
  if (now - turnStartedAt < TURN_BUDGET_MS) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}

function closeTurn() {
  turnOpen = false;
}
