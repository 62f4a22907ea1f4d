import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real service (here Redis) whose answers can be held back for a while:
 * a slow network between one node and Redis, not a mock. `hold()` queues every byte the service
 * sends to the proxied clients; `release()` delivers the queue in order and lets bytes through
 * again. Requests still flow, so the service sees them in time; the node hears back late.
 */
export async function startDelayProxy(target: string) {
  const { hostname, port } = new URL(target);
  let held: (() => void)[] | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      if (held) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("proxy has no port");
  return {
    url: `redis://127.0.0.1:${address.port}`,
    hold(): void {
      held ??= [];
    },
    release(): void {
      const queue = held ?? [];
      held = undefined;
      for (const write of queue) write();
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type DelayProxy = Awaited<ReturnType<typeof startDelayProxy>>;
