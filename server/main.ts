import { ConfigError, loadConfig } from "./config.js";
import { DataDirLockedError } from "./db/embedded.js";
import { startNode } from "./node.js";

/** `npm start`: one node, configured from the environment (README, Quick start and Environment). */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`orgwire: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  let node: Awaited<ReturnType<typeof startNode>>;
  try {
    node = await startNode(config);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(`orgwire: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // A promise chain nobody awaits that rejects would kill the process (Node 20's default) and every
  // client of this node with it. Such a chain is a bug to fix where it starts; meanwhile log it, loudly,
  // and keep serving. Thrown exceptions (uncaughtException) still end the process: state may be broken.
  process.on("unhandledRejection", (reason) => node.log.error({ err: reason }, "unhandled promise rejection"));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    node.log.info({ signal }, "draining");
    node.drain().then(
      () => process.exit(0),
      (err) => {
        node.log.error({ err }, "drain failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error) => {
  console.error(`orgwire: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
