/**
 * The request log never holds a secret: invitation tokens travel in paths (`/v1/invitations/<token>`,
 * `/accept`, the console's `/invite/<token>`), and a client may put a session token or an API key
 * in a path or query by mistake. A node logs to a stream this test reads, with a real SMTP server
 * (so that no mail is logged: the dev outbox logs its links on purpose).
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { call, createOrg, signup } from "./support/api.js";
import { invitationHelpers } from "./support/invitations.js";
import { startTestNode } from "./support/nodes.js";
import { REDIS_URL } from "./support/services.js";
import { startTestSmtp } from "./support/smtp.js";
import { useCluster } from "./support/suite.js";

const PUBLIC_URL = "https://console.orgwire.test";
const smtp = await startTestSmtp();
afterAll(() => smtp.close());
const cluster = useCluster(1, { SMTP_URL: smtp.url, PUBLIC_URL });

/** A node of the cluster's database whose log lines this test keeps. */
async function loggedNode() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const node = await startTestNode(
    {
      DATABASE_URL: cluster.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: cluster.redisPrefix,
      NODE_ID: "logged",
      SMTP_URL: smtp.url,
      PUBLIC_URL,
    },
    pino({ level: "info" }, sink),
  );
  return { node, lines };
}

describe("request log", () => {
  it("redacts invitation tokens in paths, and never logs a token, an API key or the query string", async () => {
    const { node, lines } = await loggedNode();
    try {
      const { invite } = invitationHelpers(smtp, () => node, PUBLIC_URL);
      const owner = await signup(node, "owner");
      const org = await createOrg(node, owner.token, `Org ${randomUUID().slice(0, 6)}`);
      const invitee = await signup(node, "invitee");
      const { token } = await invite(org.id, owner, { email: invitee.email, role: "viewer" });
      const key = await call(node, "POST", `/v1/orgs/${org.id}/api-keys`, {
        token: owner.token,
        body: { name: "ci", role: "viewer" },
      });
      const apiKey: string = key.body.secret;

      expect((await call(node, "GET", `/v1/invitations/${token}`)).status).toBe(200);
      const accepted = await call(node, "POST", `/v1/invitations/${token}/accept`, { token: invitee.token });
      expect(accepted.status).toBe(200);
      // The console's page for the link, and a token that is not valid (404) all the same.
      await call(node, "GET", `/invite/${token}`);
      await call(node, "GET", `/v1/invitations/${token}x/accept`);
      // Secrets where no route expects them: in a path segment, and in the query string.
      await call(node, "GET", `/v1/orgs/${apiKey}`, { token: owner.token });
      await call(node, "GET", `/v1/${owner.token}`);
      await call(node, "GET", `/v1/orgs?cursor=${owner.token}&key=${apiKey}`, { token: owner.token });

      const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
      const paths = requests.map((r) => r.path);
      expect(paths).toContain("/v1/invitations/:redacted");
      expect(paths).toContain("/v1/invitations/:redacted/accept");
      expect(paths).toContain("/invite/:redacted");
      expect(paths).toContain("/v1/orgs/:redacted");
      expect(paths).toContain(`/v1/orgs/${org.id}/api-keys`); // ids (UUIDs) stay readable
      const log = lines.join("");
      for (const secret of [token, apiKey, owner.token, invitee.token]) expect(log).not.toContain(secret);
    } finally {
      await node.close();
    }
  });
});
