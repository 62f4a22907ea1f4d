import { OrgwireClient } from "../client.js";
import type { Args } from "./args.js";
import { configPath, readConfig, resolveConnection, type StoredConfig, type TokenSource } from "./config.js";
import { CliError } from "./errors.js";
import { Output, type Streams } from "./output.js";

/** What a command runs with: where to talk to, as whom, and where to write. */
export interface Context {
  out: Output;
  env: NodeJS.ProcessEnv;
  configPath: string;
  stored: StoredConfig;
  /** `--url`, `$ORGWIRE_URL`, the config file, else http://localhost:3000. */
  url: string;
  token: string | undefined;
  tokenSource: TokenSource | undefined;
  /** A client with the token (its requests end when `signal` aborts); fails with a hint when there is none. */
  client(signal?: AbortSignal): OrgwireClient;
  /** A client without a token (login). */
  anonymousClient(): OrgwireClient;
}

/** Several nodes may be given, comma separated: subscriptions fail over between them. */
const urls = (url: string) =>
  url
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);

export async function createContext(args: Args, env: NodeJS.ProcessEnv, streams: Streams): Promise<Context> {
  const out = new Output(args.flag("json"), streams, env);
  const path = configPath(env);
  const stored = await readConfig(path);
  const { url, token, tokenSource } = resolveConnection(
    { url: args.string("url"), token: args.string("token") },
    env,
    stored,
  );
  return {
    out,
    env,
    configPath: path,
    stored,
    url,
    token,
    tokenSource,
    client(signal) {
      if (!token) {
        throw new CliError("not signed in: run 'orgwire login --email EMAIL', pass --token, or set ORGWIRE_TOKEN");
      }
      const abortable: typeof fetch | undefined = signal && ((input, init) => fetch(input, { ...init, signal }));
      return new OrgwireClient({ url: urls(url), token, fetch: abortable });
    },
    anonymousClient: () => new OrgwireClient({ url: urls(url) }),
  };
}
