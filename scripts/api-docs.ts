/**
 * `npm run docs:api`: writes docs/openapi.json and docs/api.md from the document a node serves.
 * The node runs on a throwaway embedded database; nothing else is needed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig } from "../server/config.js";
import { startNode } from "../server/node.js";
import { apiDocsFiles, type Document } from "./api-reference.js";

const ROOT = new URL("../", import.meta.url).pathname;
const dataDir = await mkdtemp(join(tmpdir(), "orgwire-docs-"));
try {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", DATA_DIR: dataDir });
  const node = await startNode(config, pino({ level: "silent" }));
  try {
    const document = (await (await node.app.request("/openapi.json")).json()) as Document;
    for (const [path, text] of Object.entries(apiDocsFiles(document))) {
      await writeFile(join(ROOT, path), text);
      console.log(`wrote ${path}`);
    }
  } finally {
    await node.close();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
