import { OrgwireError } from "./errors.js";

export interface HttpOptions {
  /** Base URL of a node or load balancer, e.g. `http://localhost:3000`. */
  baseUrl: string;
  token?: () => string | undefined;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** The one place the SDK talks HTTP: JSON in, JSON out, error envelopes become OrgwireError. */
export class Http {
  readonly #fetch: typeof fetch;
  constructor(private readonly options: HttpOptions) {
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) params.set(k, String(v));
    const qs = params.toString();
    return `${this.options.baseUrl.replace(/\/$/, "")}/v1${path}${qs ? `?${qs}` : ""}`;
  }

  async raw(method: string, path: string, init: { query?: Query; body?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = this.options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.#fetch(this.url(path, init.query), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      throw new OrgwireError(0, "network", error instanceof Error ? error.message : String(error));
    }
    if (!res.ok) throw await toError(res);
    return res;
  }

  async json<T>(method: string, path: string, init: { query?: Query; body?: unknown } = {}): Promise<T> {
    const res = await this.raw(method, path, init);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

async function toError(res: Response): Promise<OrgwireError> {
  let body: { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const e = body?.error;
  return new OrgwireError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? res.statusText, e?.details);
}
