import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMfaKey, MFA_KEY_FILE } from "../server/auth/mfa-key.js";
import { ConfigError, loadConfig } from "../server/config.js";
import { TEST_MFA_KEY } from "./support/mfa.js";

describe("the MFA encryption key", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "orgwire-mfa-key-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is validated at start: 32 bytes, as hex or base64", () => {
    const hex = "ab".repeat(32);
    expect(loadConfig({ MFA_ENCRYPTION_KEY: hex }).MFA_ENCRYPTION_KEY).toEqual(Buffer.from(hex, "hex"));
    const b64 = Buffer.alloc(32, 9).toString("base64");
    expect(loadConfig({ MFA_ENCRYPTION_KEY: b64 }).MFA_ENCRYPTION_KEY).toEqual(Buffer.alloc(32, 9));
    expect(loadConfig({}).MFA_ENCRYPTION_KEY).toBeUndefined();
    for (const bad of ["secret", "ab".repeat(16), Buffer.alloc(16).toString("base64"), `${hex}00`]) {
      expect(() => loadConfig({ MFA_ENCRYPTION_KEY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ MFA_ENCRYPTION_KEY: bad })).toThrow(/^invalid MFA_ENCRYPTION_KEY: must be 32 bytes/);
    }
  });

  it("without MFA_ENCRYPTION_KEY, is generated once into DATA_DIR (mode 0600), logged, and shared by every process", async () => {
    const lines: { msg: string; path?: string }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const config = { DATA_DIR: join(dir, "data"), DATABASE_URL: undefined, MFA_ENCRYPTION_KEY: undefined };
    // Several nodes starting at once on one folder end up with one key.
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadMfaKey(config, log)));
    expect(keys[0]).toHaveLength(32);
    for (const key of keys) expect(key).toEqual(keys[0]);
    const path = join(dir, "data", MFA_KEY_FILE);
    expect((await readFile(path, "utf8")).trim()).toBe(keys[0]!.toString("hex"));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const generated = lines.filter((l) => /generated an MFA encryption key/.test(l.msg));
    expect(generated).toHaveLength(1);
    expect(generated[0]?.path).toBe(path);
    // A restart reads it back and says nothing more.
    expect(await loadMfaKey(config, log)).toEqual(keys[0]);
    expect(lines.filter((l) => /generated/.test(l.msg))).toHaveLength(1);
    // The environment wins over the file.
    const fromEnv = loadConfig({ MFA_ENCRYPTION_KEY: TEST_MFA_KEY }).MFA_ENCRYPTION_KEY;
    expect(await loadMfaKey({ ...config, MFA_ENCRYPTION_KEY: fromEnv }, log)).toEqual(Buffer.from(TEST_MFA_KEY, "hex"));
  });
});
