import { randomUUID } from "node:crypto";
import { afterAll } from "vitest";
import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import { call, createOrg, signup, type Target, type TestUser } from "./api.js";
import { startTestSmtp, type TestSmtp, unfoldQuotedPrintable } from "./smtp.js";
import { type Recorder, sleep } from "./sockets.js";
import { useCluster } from "./suite.js";

/** Helpers of the invitation tests: inviting through a node and reading the link from the mail. */
export function invitationHelpers(smtp: TestSmtp, node: () => Target, publicUrl: string) {
  const link = new RegExp(`${publicUrl.replace(/[.]/g, "\\.")}/invite/([A-Za-z0-9_-]+)`);

  /** The token in the last mail sent to `email` (among mails received after index `after`). */
  async function tokenMailedTo(email: string, after = 0): Promise<string> {
    const mail = await smtp.waitFor((m) => m.to.includes(email) && smtp.mails.indexOf(m) >= after);
    const token = unfoldQuotedPrintable(mail.raw).match(link)?.[1];
    if (!token) throw new Error(`no link in the mail: ${mail.raw}`);
    return token;
  }

  async function invite(orgId: string, owner: TestUser, body: Record<string, unknown>) {
    const before = smtp.mails.length;
    const res = await call(node(), "POST", `/v1/orgs/${orgId}/invitations`, { token: owner.token, body });
    if (res.status !== 201) throw new Error(`invite: ${res.status} ${JSON.stringify(res.body)}`);
    return { invitation: res.body, token: await tokenMailedTo(String(body.email).toLowerCase(), before) };
  }

  async function ownerWithOrg() {
    const owner = await signup(node(), "owner");
    const org = await createOrg(node(), owner.token, `Org ${randomUUID().slice(0, 6)}`);
    return { owner, org };
  }

  const events = async (orgId: string, token: string): Promise<OrgEvent[]> =>
    (await call(node(), "GET", `/v1/orgs/${orgId}/events?limit=500`, { token })).body.items;

  async function eventOfType(recorder: Recorder, type: string, timeoutMs = 10_000): Promise<OrgEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = recorder.events.find((e) => e.type === type);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} event; got ${recorder.events.map((e) => e.type)}`);
      await sleep(20);
    }
  }

  return { link, tokenMailedTo, invite, ownerWithOrg, events, eventOfType };
}

export const INVITE_PUBLIC_URL = "https://console.orgwire.test";
/** The per-org invitation limit the invitation tests run with. */
export const INVITES_PER_HOUR = 5;

/**
 * The invitation tests' setup: a real SMTP server, two nodes mailing through it with a low per-org
 * limit, and the helpers bound to node A. Call once at a test file's top level.
 */
export async function useInvitationCluster() {
  const smtp = await startTestSmtp();
  afterAll(() => smtp.close());
  const cluster = useCluster(2, {
    SMTP_URL: smtp.url,
    PUBLIC_URL: INVITE_PUBLIC_URL,
    INVITATIONS_PER_ORG_PER_HOUR: String(INVITES_PER_HOUR),
  });
  const A = () => cluster.nodes[0]!;
  const B = () => cluster.nodes[1]!;
  return { smtp, cluster, A, B, ...invitationHelpers(smtp, A, INVITE_PUBLIC_URL) };
}
