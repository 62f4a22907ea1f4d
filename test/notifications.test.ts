/**
 * Owners' mail notifications (`settings.notifications`) on two nodes against a real SMTP server
 * (smtp-server): one mail per qualifying event per owner, none for a category turned off.
 */
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../server/db/database.js";
import { loadCursor } from "../server/notifications/notifications.repository.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { type SpawnedNode, spawnNode } from "./support/nodes.js";
import { createTestDatabase, REDIS_URL, uniquePrefix } from "./support/services.js";
import { type ReceivedMail, startTestSmtp, unfoldQuotedPrintable } from "./support/smtp.js";
import { useCluster } from "./support/suite.js";

const smtp = await startTestSmtp();
afterAll(() => smtp.close());
const cluster = useCluster(2, { SMTP_URL: smtp.url, OUTBOUND_POLL_MS: "100", PUBLIC_URL: "https://console.test" });
const [A, B] = [() => cluster.nodes[0]!, () => cluster.nodes[1]!];

/** The (recipient, seq) a notification mail is about: its text names the event as `#seq (type)`. */
const mailKey = (mail: ReceivedMail) => {
  const text = unfoldQuotedPrintable(mail.raw);
  const match = /#(\d+) \(([a-z_.]+)\)/.exec(text);
  return `${mail.to.join(",")} ${match?.[1]} ${match?.[2]}`;
};

describe("notification mail", () => {
  it("mails each owner once per qualifying event, from both nodes, and nothing for a category turned off", async () => {
    const [owner, owner2] = [await signup(A(), "owner"), await signup(A(), "owner2")];
    const org = await createOrg(A(), owner.token, "Mailed");
    await addMember(A().db, org.id, owner2.user.id, "owner");
    const viewers = [];
    for (let i = 0; i < 6; i++) {
      const v = await signup(A(), `viewer${i}`);
      await addMember(A().db, org.id, v.user.id, "viewer");
      viewers.push(v);
    }
    const as = { token: owner.token };
    const on = await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
      ...as,
      body: { settings: { notifications: { memberChanges: true, security: true, billing: false } } },
    });
    expect(on.status).toBe(200);

    const node = (i: number) => (i % 2 ? B() : A());
    const mailed: number[] = [];
    for (const [i, v] of viewers.entries()) {
      const res = await call(node(i), "PATCH", `/v1/orgs/${org.id}/members/${v.user.id}`, {
        ...as,
        body: { role: "editor" },
      });
      expect(res.status).toBe(200);
    }
    for (const [i, v] of viewers.slice(0, 3).entries()) {
      expect((await call(node(i), "DELETE", `/v1/orgs/${org.id}/members/${v.user.id}`, as)).status).toBe(204);
    }
    const key = await call(B(), "POST", `/v1/orgs/${org.id}/api-keys`, { ...as, body: { name: "ci", role: "viewer" } });
    await call(A(), "DELETE", `/v1/orgs/${org.id}/api-keys/${key.body.apiKey.id}`, as);
    // Not mailed: billing is off, and a language is not a sign-in setting.
    await call(A(), "PUT", `/v1/orgs/${org.id}/billing`, { ...as, body: { contactEmail: "b@example.com" } });
    await call(B(), "PATCH", `/v1/orgs/${org.id}`, { ...as, body: { settings: { preferences: { language: "de" } } } });
    // Mailed (security): who may join changed.
    await call(B(), "PATCH", `/v1/orgs/${org.id}`, {
      ...as,
      body: { settings: { authentication: { allowedEmailDomains: ["example.com"] } } },
    });
    const log = await call(A(), "GET", `/v1/orgs/${org.id}/events?limit=100`, as);
    const qualifying = ["member.role_changed", "member.removed", "api_key.created", "api_key.revoked"];
    for (const e of log.body.items as { seq: number; type: string; data: { changed?: string[] } }[]) {
      if (
        qualifying.includes(e.type) ||
        (e.type === "settings.updated" && e.data.changed?.[0]?.startsWith("authentication."))
      )
        mailed.push(e.seq);
    }
    expect(mailed).toHaveLength(6 + 3 + 2 + 1);

    const ours = () => smtp.mails.filter((m) => m.to.includes(owner.email) || m.to.includes(owner2.email));
    const deadline = Date.now() + 20_000;
    while (ours().length < mailed.length * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // nothing more comes
    const keys = ours().map(mailKey).sort();
    const expected = mailed
      .flatMap((seq) => {
        const type = (log.body.items as { seq: number; type: string }[]).find((e) => e.seq === seq)?.type;
        return [owner.email, owner2.email].map((to) => `${to} ${seq} ${type}`);
      })
      .sort();
    expect(keys).toEqual(expected);
    const first = unfoldQuotedPrintable(ours()[0]!.raw);
    expect(first).toContain(`https://console.test/orgs/${org.id}/members`);
  }, 60_000);
});

describe("notification mail when the mailing node dies", () => {
  it("is sent exactly once per event and owner: the other node sends the rest, and the mail cut off", async () => {
    const database = await createTestDatabase();
    const handle = await openDatabase({ DATABASE_URL: database.url, DATA_DIR: "" });
    // The 5th mail is held until the node sending it is killed, then refused: it was never accepted.
    let accepted = 0;
    let held: (() => void) | undefined;
    const heldNow = new Promise<void>((resolve) => (held = resolve));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const mailer = await startTestSmtp(undefined, async () => {
      if (++accepted !== 5) return true;
      held?.();
      await released;
      return false;
    });
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: uniquePrefix("mail"),
      SMTP_URL: mailer.url,
      OUTBOUND_LEASE_MS: "1500",
      OUTBOUND_POLL_MS: "200",
    };
    const nodes: Record<string, SpawnedNode> = {
      a: await spawnNode({ ...env, NODE_ID: "a" }),
      b: await spawnNode({ ...env, NODE_ID: "b" }),
    };
    try {
      const [a, b] = [{ url: nodes.a!.url }, { url: nodes.b!.url }];
      const owner = await signup(a, "owner");
      const org = await createOrg(a, owner.token, "Failover mail");
      const as = { token: owner.token };
      await call(a, "PATCH", `/v1/orgs/${org.id}`, {
        ...as,
        body: { settings: { notifications: { security: true } } },
      });
      // 8 mailed events (4 keys created, 4 revoked) from both nodes, for 1 owner: 8 mails.
      for (let i = 0; i < 4; i++) {
        const key = await call(i % 2 ? b : a, "POST", `/v1/orgs/${org.id}/api-keys`, {
          ...as,
          body: { name: `k${i}`, role: "viewer" },
        });
        await call(i % 2 ? a : b, "DELETE", `/v1/orgs/${org.id}/api-keys/${key.body.apiKey.id}`, as);
      }
      await heldNow;
      const holder = (await loadCursor(handle.db, org.id))?.lease_owner?.split("/")[0] as string;
      expect(["a", "b"]).toContain(holder);
      await nodes[holder]!.kill("SIGKILL");
      release();
      const deadline = Date.now() + 20_000;
      while (mailer.mails.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      const keys = mailer.mails.map(mailKey);
      expect(keys).toHaveLength(8);
      expect(new Set(keys).size).toBe(8);
      expect(keys.every((k) => k.startsWith(owner.email))).toBe(true);
    } finally {
      for (const n of Object.values(nodes)) await n.kill();
      await mailer.close();
      await handle.close();
      await database.drop();
    }
  }, 90_000);
});
