/**
 * The weekly digest, with an injected clock: due Monday 00:00 UTC, one mail per owner per week,
 * with the week's counts by type and top actors; none when `weeklyDigest` is off.
 */
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createMailer } from "../server/mail/mailer.js";
import { DIGEST_SUBJECT } from "../server/mail/notification-mail.js";
import { loadCursor } from "../server/notifications/notifications.repository.js";
import { createNotifier } from "../server/notifications/notifier.js";
import { nextWeekStart } from "../server/notifications/schedule.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { startTestSmtp, unfoldQuotedPrintable } from "./support/smtp.js";
import { useCluster } from "./support/suite.js";

const smtp = await startTestSmtp();
afterAll(() => smtp.close());
const cluster = useCluster(1, { SMTP_URL: smtp.url });
const A = () => cluster.nodes[0]!;

describe("weekly digest", () => {
  it("is due each Monday 00:00 UTC", () => {
    expect(nextWeekStart(new Date("2026-12-02T19:00:00Z")).toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(nextWeekStart(new Date("2026-12-07T00:00:00Z")).toISOString()).toBe("2026-12-14T00:00:00.000Z");
    expect(nextWeekStart(new Date("2026-12-06T23:59:59Z")).toISOString()).toBe("2026-12-07T00:00:00.000Z");
  });

  it("sends one digest per owner when due, with the week's counts and top actors, and none when off", async () => {
    const [owner, owner2] = [await signup(A(), "owner"), await signup(A(), "owner2")];
    const org = await createOrg(A(), owner.token, "Digest");
    await addMember(A().db, org.id, owner2.user.id, "owner");
    const as = { token: owner.token };
    await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
      ...as,
      body: { settings: { notifications: { weeklyDigest: true } } },
    });
    for (const name of ["a", "b", "c"]) await call(A(), "PATCH", `/v1/orgs/${org.id}`, { ...as, body: { name } });
    const due = (await loadCursor(A().db, org.id))?.digest_due_at as Date;
    expect(due.getTime()).toBe(nextWeekStart(due).getTime() - 7 * 86_400_000);

    let now = new Date(due.getTime() - 60_000);
    const notifier = createNotifier({
      db: A().db,
      log: pino({ level: "silent" }),
      mailer: createMailer({ smtpUrl: smtp.url, publicUrl: "https://console.test", log: pino({ level: "silent" }) }),
      nodeId: "digest-test",
      publicUrl: "https://console.test",
      leaseMs: 2_000,
      pollMs: 50,
      clock: () => now,
    });
    try {
      const digests = () => smtp.mails.filter((m) => m.raw.includes(DIGEST_SUBJECT.slice(0, 30)));
      await new Promise((r) => setTimeout(r, 400));
      expect(digests()).toHaveLength(0); // not due yet

      now = new Date(due.getTime() + 60_000);
      notifier.wake();
      const deadline = Date.now() + 10_000;
      while (digests().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 400));
      expect(
        digests()
          .map((m) => m.to[0])
          .sort(),
      ).toEqual([owner.email, owner2.email].sort());
      const text = unfoldQuotedPrintable(digests()[0]!.raw);
      expect(text).toMatch(/org\.updated\D+3/);
      expect(text).toContain(owner.email); // the top actor
      expect((await loadCursor(A().db, org.id))?.digest_due_at.toISOString()).toBe(nextWeekStart(now).toISOString());

      // The next week: due again, nothing happened in it; then with the digest off, nothing is sent.
      now = new Date(due.getTime() + 7 * 86_400_000 + 60_000);
      notifier.wake();
      while (digests().length < 4 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(digests()).toHaveLength(4);
      expect(unfoldQuotedPrintable(digests()[3]!.raw)).toContain("No activity this week.");

      await call(A(), "PATCH", `/v1/orgs/${org.id}`, {
        ...as,
        body: { settings: { notifications: { weeklyDigest: false, memberChanges: true } } },
      });
      now = new Date(due.getTime() + 14 * 86_400_000 + 60_000);
      notifier.wake();
      await new Promise((r) => setTimeout(r, 600));
      expect(digests()).toHaveLength(4);
    } finally {
      await notifier.stop();
    }
  }, 60_000);
});
