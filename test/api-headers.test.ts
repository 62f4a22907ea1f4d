/**
 * Every /v1 answer, errors included, says `X-Content-Type-Options: nosniff` (JSON is never sniffed
 * into a page or a script) and `Cache-Control: no-store` (answers are per caller, and signup,
 * login and a new API key carry secrets no cache may keep).
 */
import { describe, expect, it } from "vitest";
import { type ApiResponse, call, createOrg } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1, { BODY_LIMIT_BYTES: "1024" });
const node = () => cluster.nodes[0]!;

function expectHeaders(res: ApiResponse, label: string) {
  expect(res.headers.get("x-content-type-options"), label).toBe("nosniff");
  expect(res.headers.get("cache-control"), label).toBe("no-store");
}

describe("/v1 answer headers", () => {
  it("nosniff and no-store on answers carrying a secret, on the others, and on every error", async () => {
    const email = `h-${Date.now()}@example.com`;
    const password = "correct horse battery";
    const signedUp = await call(node(), "POST", "/v1/auth/signup", { body: { email, password, name: "H" } });
    expect(signedUp.status).toBe(201);
    const { token } = signedUp.body;
    const org = await createOrg(node(), token);
    const answers: [string, ApiResponse, number][] = [
      ["signup", signedUp, 201],
      ["login", await call(node(), "POST", "/v1/auth/login", { body: { email, password } }), 200],
      [
        "API key",
        await call(node(), "POST", `/v1/orgs/${org.id}/api-keys`, { token, body: { name: "k", role: "viewer" } }),
        201,
      ],
      ["me", await call(node(), "GET", "/v1/me", { token }), 200],
      ["validation", await call(node(), "POST", "/v1/orgs", { token, body: { name: "" } }), 400],
      ["no token", await call(node(), "GET", "/v1/me"), 401],
      ["unknown route", await call(node(), "GET", "/v1/nowhere", { token }), 404],
      ["method", await call(node(), "PUT", `/v1/orgs/${org.id}`, { token }), 405],
      ["too large", await call(node(), "POST", "/v1/orgs", { token, body: { name: "x".repeat(2000) } }), 413],
      [
        "media type",
        await call(node(), "POST", "/v1/orgs", {
          token,
          raw: '{"name":"x"}',
          headers: { "content-type": "text/plain" },
        }),
        415,
      ],
    ];
    for (const [label, res, status] of answers) {
      expect(res.status, label).toBe(status);
      expectHeaders(res, label);
    }
  });

  it("over real HTTP too", async () => {
    const res = await fetch(`${node().url}/v1/orgs`);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});
