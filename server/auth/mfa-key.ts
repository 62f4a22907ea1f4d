import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config.js";

/** Where a node without `MFA_ENCRYPTION_KEY` keeps the key it generated. */
export const MFA_KEY_FILE = "mfa-encryption.key";

/**
 * The key TOTP secrets are encrypted with: `MFA_ENCRYPTION_KEY`, else `DATA_DIR/mfa-encryption.key`
 * (64 hex characters), generated at the first start and logged. Generation is atomic: the key is
 * written whole to a file of this process, then hard-linked to its name, which fails if another
 * process got there first; then that one's key is read. So nodes sharing a folder share a key.
 */
export async function loadMfaKey(
  config: Pick<Config, "MFA_ENCRYPTION_KEY" | "DATA_DIR" | "DATABASE_URL">,
  log: Logger,
): Promise<Buffer> {
  if (config.MFA_ENCRYPTION_KEY) return config.MFA_ENCRYPTION_KEY;
  const dir = resolve(config.DATA_DIR);
  const path = join(dir, MFA_KEY_FILE);
  let generated = false;
  let text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new Error(`cannot read the MFA key ${path}: ${error.message}`);
  });
  if (text === undefined) {
    await mkdir(dir, { recursive: true });
    const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    try {
      await link(temp, path);
      generated = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      await rm(temp, { force: true });
    }
    text = await readFile(path, "utf8");
  }
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`the MFA key ${path} is not 64 hex characters`);
  if (generated) {
    log.warn(
      { path },
      "MFA_ENCRYPTION_KEY is unset: generated an MFA encryption key into DATA_DIR; keep it with the data (TOTP secrets cannot be read without it)",
    );
  }
  if (config.DATABASE_URL) {
    log.warn(
      { path },
      "MFA_ENCRYPTION_KEY is unset: using the key file in DATA_DIR; every node on this database needs the same key, so set MFA_ENCRYPTION_KEY",
    );
  }
  return Buffer.from(hex, "hex");
}
