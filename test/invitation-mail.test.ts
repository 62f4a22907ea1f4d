/**
 * Invitation mail: delivery failures keep the invitation, the dev outbox without SMTP_URL, and the
 * mailer's reading of SMTP_URL. A real SMTP server (smtp-server) runs in the test.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../server/config.js";
import { INVITATION_SUBJECT } from "../server/mail/invitation-mail.js";
import { createMailer, senderAddress, smtpOptionsFromUrl } from "../server/mail/mailer.js";
import { startNode } from "../server/node.js";
import { call, createOrg, signup } from "./support/api.js";
import { invitationHelpers } from "./support/invitations.js";
import { startTestNode } from "./support/nodes.js";
import { REDIS_URL } from "./support/services.js";
import { startTestSmtp, unfoldQuotedPrintable } from "./support/smtp.js";
import { useCluster } from "./support/suite.js";

const PUBLIC_URL = "https://console.orgwire.test";
const smtp = await startTestSmtp();
afterAll(() => smtp.close());

const cluster = useCluster(1, { SMTP_URL: smtp.url, PUBLIC_URL });
const A = () => cluster.nodes[0]!;
const { link: LINK, tokenMailedTo, ownerWithOrg } = invitationHelpers(smtp, A, PUBLIC_URL);

/** A raw mail's header block and the rest. */
const splitMail = (raw: string): [string, string] => {
  const end = raw.search(/\r?\n\r?\n/);
  return [raw.slice(0, end), raw.slice(end)];
};

describe("invitation mail", () => {
  it("a mail that cannot be sent keeps the invitation (201); the owner resends it", async () => {
    const node = await startTestNode({
      DATABASE_URL: cluster.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: cluster.redisPrefix,
      NODE_ID: "bad-smtp",
      SMTP_URL: smtp.badCredentialsUrl,
      PUBLIC_URL,
    });
    try {
      const { owner, org } = await ownerWithOrg();
      const email = `f-${randomUUID()}@example.com`;
      const res = await call(node, "POST", `/v1/orgs/${org.id}/invitations`, {
        token: owner.token,
        body: { email, role: "viewer" },
      });
      expect(res.status).toBe(201);
      expect(smtp.mails.some((m) => m.to.includes(email))).toBe(false);
      expect((await call(A(), "GET", `/v1/orgs/${org.id}/invitations`, { token: owner.token })).body.items).toEqual([
        res.body,
      ]);
      await call(A(), "POST", `/v1/orgs/${org.id}/invitations/${res.body.id}/resend`, { token: owner.token });
      expect((await call(A(), "GET", `/v1/invitations/${await tokenMailedTo(email)}`)).status).toBe(200);
    } finally {
      await node.close();
    }
  });

  it("the Subject carries no org or inviter name (chosen by anyone); the body quotes the org's", async () => {
    const bait = "Your account is suspended, click";
    const ownerEmail = `s-${randomUUID()}@example.com`;
    const owner = (
      await call(A(), "POST", "/v1/auth/signup", {
        body: { email: ownerEmail, password: "correct horse battery", name: "Security team: verify now" },
      })
    ).body;
    // A right-to-left override would make the name read otherwise: the body drops it.
    const org = await createOrg(A(), owner.token, `${bait}\u202e`);
    const email = `s-${randomUUID()}@example.com`;
    expect(
      (
        await call(A(), "POST", `/v1/orgs/${org.id}/invitations`, {
          token: owner.token,
          body: { email, role: "viewer" },
        })
      ).status,
    ).toBe(201);
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    const [head, body] = splitMail(mail.raw);
    const subject = head.replace(/\r?\n[ \t]+/g, " ").match(/^Subject: (.*)$/im)?.[1];
    expect(subject).toBe(INVITATION_SUBJECT);
    expect(head).not.toContain("suspended");
    expect(head).not.toContain("Security team");
    expect(unfoldQuotedPrintable(body)).toContain(`the organization "${bait}" on Orgwire`);
  });

  it("without SMTP_URL, the mail and its link go to the log and the dev outbox", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: cluster.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: cluster.redisPrefix,
      NODE_ID: "outbox",
      PUBLIC_URL,
    });
    const node = await startNode(config, pino({ level: "info" }, sink));
    try {
      expect(node.mailer.kind).toBe("outbox");
      const { owner, org } = await ownerWithOrg();
      const invitee = await signup(A(), "invitee");
      const res = await call(node, "POST", `/v1/orgs/${org.id}/invitations`, {
        token: owner.token,
        body: { email: invitee.email, role: "editor" },
      });
      expect(res.status).toBe(201);
      const outbox = node.mailer.kind === "outbox" ? node.mailer.outbox() : [];
      const mail = outbox.find((m) => m.to === invitee.email);
      expect(mail?.subject).toBe(INVITATION_SUBJECT);
      expect(mail?.text).toContain(`"${org.name}"`);
      const token = mail?.link?.match(LINK)?.[1] ?? "";
      expect(mail?.text).toContain(`${PUBLIC_URL}/invite/${token}`);
      expect(mail?.html).toContain(`${PUBLIC_URL}/invite/${token}`);
      expect(lines.some((l) => l.includes("dev outbox") && l.includes(`/invite/${token}`))).toBe(true);
      expect((await call(A(), "POST", `/v1/invitations/${token}/accept`, { token: invitee.token })).status).toBe(200);
    } finally {
      await node.close();
    }
  });
});

describe("mailer", () => {
  it("smtps:// is implicit TLS (465 by default), smtp:// plain upgraded by STARTTLS (587); credentials optional", () => {
    expect(smtpOptionsFromUrl("smtps://mail%40acme.io:p%40ss%3Aword@smtp.acme.io")).toMatchObject({
      host: "smtp.acme.io",
      port: 465,
      secure: true,
      auth: { user: "mail@acme.io", pass: "p@ss:word" },
    });
    const plain = smtpOptionsFromUrl("smtp://127.0.0.1:2525");
    expect(plain).toMatchObject({ host: "127.0.0.1", port: 2525, secure: false });
    expect(plain.auth).toBeUndefined();
    expect(plain.ignoreTLS).toBeUndefined(); // STARTTLS is used whenever the server offers it
    expect(smtpOptionsFromUrl("smtp://mail.example.com").port).toBe(587);
    const mailer = createMailer({
      smtpUrl: "smtps://u:p@smtp.acme.io",
      publicUrl: PUBLIC_URL,
      log: pino({ level: "silent" }),
    });
    expect(mailer.kind === "smtp" && mailer.options.secure).toBe(true);
    mailer.close();
  });

  it("sends from ?from= when given, else no-reply at PUBLIC_URL's host", () => {
    expect(senderAddress("smtp://h?from=Acme%20%3Cinvites%40acme.io%3E", PUBLIC_URL)).toBe("Acme <invites@acme.io>");
    expect(senderAddress(undefined, PUBLIC_URL)).toBe("Orgwire <no-reply@console.orgwire.test>");
  });
});
