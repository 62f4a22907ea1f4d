import { randomBytes } from "node:crypto";
import type { Org, OrgRole, User } from "../../client-sdk/src/contract/index.js";
import type { Db } from "../../server/db/database.js";
import { insertMembership } from "../../server/members/members.repository.js";

/** Anything with Hono's `request` (the in-process app) or a base URL (a spawned node). */
export type Target =
  | { app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> } }
  | { url: string };

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Raw body, sent as is (for malformed-input tests). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  target: Target,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const init: RequestInit = { method, headers, body };
  const res = "app" in target ? await target.app.request(path, init) : await fetch(`${target.url}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface TestUser {
  user: User;
  token: string;
  email: string;
}

export async function signup(target: Target, label = "user"): Promise<TestUser> {
  const email = `${label}-${randomBytes(5).toString("hex")}@example.com`;
  const res = await call(target, "POST", "/v1/auth/signup", {
    body: { email, password: "correct horse battery", name: label },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, email };
}

export async function createOrg(target: Target, token: string, name = "Acme"): Promise<Org> {
  const res = await call(target, "POST", "/v1/orgs", { token, body: { name } });
  if (res.status !== 201) throw new Error(`create org failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Adds a member through the server's repository layer (invitations are the product's way in;
 * they have their own tests). Never raw SQL from a test.
 */
export async function addMember(db: Db, orgId: string, userId: string, role: OrgRole): Promise<void> {
  await insertMembership(db, { orgId, userId, role });
}
