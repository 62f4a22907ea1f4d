import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "./errors.js";

/** What `orgwire login` saves: the server and the session token (the file is mode 0600). */
export interface StoredConfig {
  url?: string;
  token?: string;
  /** Who signed in, for display only. */
  email?: string;
}

export const DEFAULT_URL = "http://localhost:3000";

/** `$ORGWIRE_CONFIG`, else `$XDG_CONFIG_HOME/orgwire/config.json` (`~/.config/orgwire/config.json`). */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.ORGWIRE_CONFIG) return env.ORGWIRE_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "orgwire", "config.json");
}

/** The saved config, or `{}` when there is none yet. */
export async function readConfig(path: string): Promise<StoredConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new CliError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    const { url, token, email } = parsed as Record<string, unknown>;
    return {
      url: typeof url === "string" ? url : undefined,
      token: typeof token === "string" ? token : undefined,
      email: typeof email === "string" ? email : undefined,
    };
  } catch {
    throw new CliError(`the config file ${path} is not a JSON object; fix or delete it`);
  }
}

/**
 * Writes the config readable by its owner only: a temporary file created 0600 in the same
 * directory, renamed over the old one, so a reader never sees half a file or looser permissions.
 */
export async function writeConfig(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

export type TokenSource = "flag" | "env" | "config";

/** Server and token by precedence: flag, environment, config file (then the default URL). */
export function resolveConnection(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv,
  stored: StoredConfig,
): { url: string; token?: string; tokenSource?: TokenSource } {
  const url = flags.url || env.ORGWIRE_URL || stored.url || DEFAULT_URL;
  if (flags.token) return { url, token: flags.token, tokenSource: "flag" };
  if (env.ORGWIRE_TOKEN) return { url, token: env.ORGWIRE_TOKEN, tokenSource: "env" };
  if (stored.token) return { url, token: stored.token, tokenSource: "config" };
  return { url };
}
