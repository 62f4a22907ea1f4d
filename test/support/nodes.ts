import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import pino, { type Logger } from "pino";
import { loadConfig } from "../../server/config.js";
import { type OrgwireNode, startNode } from "../../server/node.js";

export const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * One node in this process (HTTP tests use `node.app.request`, socket tests its port). `logger`
 * lets a test read what the node logs.
 */
export async function startTestNode(
  env: Record<string, string | undefined>,
  logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
): Promise<OrgwireNode & { url: string }> {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...env });
  const node = await startNode(config, logger);
  return Object.assign(node, { url: `http://127.0.0.1:${node.port}` });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface SpawnedNode {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A node as its own process, started the way `npm start` does (`node --import tsx`). */
export async function spawnNode(
  env: Record<string, string>,
  options: { waitReady?: boolean } = {},
): Promise<SpawnedNode> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const node: SpawnedNode = {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady !== false) await waitReady(node);
  return node;
}

async function waitReady(node: SpawnedNode, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.child.exitCode !== null) throw new Error(`node exited early: ${node.output()}`);
    try {
      const res = await fetch(`${node.url}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await node.kill();
  throw new Error(`node not ready after ${timeoutMs} ms: ${node.output()}`);
}
