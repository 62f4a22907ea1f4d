/**
 * Owner notification mails and the weekly digest: pure rendering, no services. Which events mail which
 * category, that user-chosen text is escaped in HTML and kept out of subjects, and the digest's order and total.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { OrgEvent } from "../client-sdk/src/contract/index.js";
import {
  DIGEST_SUBJECT,
  notificationCategoryOf,
  renderDigestMail,
  renderNotificationMail,
} from "../server/mail/notification-mail.js";

const ORG_ID = randomUUID();
const ACTOR_ID = randomUUID();
const LINK = "https://console.orgwire.test/orgs/x/events/7";

/** An event as the API shows it; `type` and `data` vary, the rest is the same everywhere. */
const ev = (type: string, data: Record<string, unknown>, actor: Partial<OrgEvent["actor"]> = {}): OrgEvent =>
  ({
    id: randomUUID(),
    orgId: ORG_ID,
    seq: 7,
    occurredAt: "2024-05-06T10:00:00.000Z",
    actor: { type: "user", id: ACTOR_ID, email: "alice@example.com", ...actor },
    projectId: null,
    target: { type: "org", id: ORG_ID },
    type,
    data,
  }) as OrgEvent;

const settings = (changed: string[]) =>
  ev("settings.updated", { changed, settings: { authentication: { requireMfa: true }, auditRetentionDays: 30 } });

const render = (event: OrgEvent, orgName = "Acme", names: Record<string, string> = {}) =>
  renderNotificationMail({ to: "owner@example.com", orgName, event, link: LINK, names });

describe("notificationCategoryOf", () => {
  const userId = randomUUID();
  it.each([
    [ev("member.joined", { userId, email: "b@example.com", role: "editor" }), "memberChanges"],
    [ev("member.removed", { userId, reason: "left" }), "memberChanges"],
    [ev("member.role_changed", { userId, from: "viewer", to: "owner" }), "memberChanges"],
    [ev("billing.updated", { fields: ["address"] }), "billing"],
    [ev("api_key.created", { name: "ci", role: "editor", audit: false }), "security"],
    [ev("api_key.revoked", { name: "ci", reason: "revoked" }), "security"],
    [
      ev("webhook.disabled", { url: "https://hooks.example.com", seq: 3, failingSince: "2024-05-05T10:00:00Z" }),
      "security",
    ],
    [settings(["authentication.requireMfa"]), "security"],
    [settings(["auditRetentionDays", "authentication.allowedEmailDomains"]), "security"],
    [settings(["auditRetentionDays"]), undefined],
    [settings(["preferences.timezone", "notifications.billing"]), undefined],
    [ev("member.invited", { invitationId: randomUUID(), email: "c@example.com", role: "viewer" }), undefined],
    [ev("project.created", { name: "p" }), undefined],
    [
      ev("webhook.updated", { url: "https://h.example.com", events: [], enabled: false, fields: ["enabled"] }),
      undefined,
    ],
  ])("%# %o → %s", (event, category) => {
    expect(notificationCategoryOf(event)).toBe(category);
  });
});

describe("renderNotificationMail", () => {
  const evil = `<script>alert(1)</script> "Your account is suspended"`;

  it("escapes the org name and the actor's email in HTML and keeps them out of the subject", () => {
    const userId = randomUUID();
    const event = ev("member.joined", { userId, email: "x@example.com", role: "owner" }, { email: "<script>@x.com" });
    const mail = render(event, evil, { [userId]: "Bob <b@example.com>" });
    expect(mail.subject).toBe("A member joined one of your organizations on Orgwire");
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(mail.html).toContain("&lt;script&gt;@x.com");
    expect(mail.html).toContain("Bob &lt;b@example.com&gt; joined the organization &quot;");
    expect(mail.text).toContain(`Bob <b@example.com> joined the organization "${evil}" as an owner.`);
    expect(mail.to).toBe("owner@example.com");
  });

  it("no subject carries the org name, an API key's name or a webhook URL", () => {
    const events = [
      ev("member.removed", { userId: ACTOR_ID, reason: "removed" }),
      ev("billing.updated", { fields: ["vatId"] }),
      ev("api_key.created", { name: evil, role: "owner", audit: true }),
      ev("api_key.revoked", { name: evil, reason: "creator_removed" }),
      settings(["authentication.requireMfa"]),
      ev("webhook.disabled", { url: `https://x.test/${evil}`, seq: 3, failingSince: "2024-05-05T10:00:00Z" }),
    ];
    for (const event of events) {
      const mail = render(event, evil);
      expect(mail.subject).toMatch(/ (in )?one of your organizations on Orgwire$/);
      expect(mail.subject).not.toMatch(/script|suspended|Acme/);
      expect(mail.html).not.toContain("<script>");
    }
    expect(events.map((e) => render(e).subject)).toEqual([
      "A member was removed in one of your organizations on Orgwire",
      "Billing details changed in one of your organizations on Orgwire",
      "A new API key was created in one of your organizations on Orgwire",
      "An API key was revoked in one of your organizations on Orgwire",
      "Sign-in settings changed in one of your organizations on Orgwire",
      "A webhook was turned off in one of your organizations on Orgwire",
    ]);
  });

  it("says who, what, when, the seq and the link, in text and HTML", () => {
    const mail = render(settings(["authentication.requireMfa"]));
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain(LINK);
      expect(body).toContain("alice@example.com");
      expect(body).toContain("2024-05-06T10:00:00.000Z");
      expect(body).toContain("#7");
      expect(body).toContain("authentication.requireMfa");
      expect(body).toContain("MFA is required");
    }
    expect(mail.html).toContain(`<a href="${LINK}">`);
    expect(mail.link).toBe(LINK);
  });

  it("names API keys and Orgwire as actors, and falls back to the user id", () => {
    const byKey = render(ev("billing.updated", { fields: [] }, { type: "api_key", id: "k1", email: undefined }));
    expect(byKey.text).toContain("By: an API key");
    const bySystem = render(ev("api_key.revoked", { name: "ci", reason: "expired" }, { type: "system", id: "s" }));
    expect(bySystem.text).toContain("By: Orgwire");
    expect(bySystem.subject).toBe("An API key expired in one of your organizations on Orgwire");
    const unknown = randomUUID();
    const removed = render(ev("member.removed", { userId: unknown, reason: "left" }));
    expect(removed.text).toContain(`${unknown} left the organization "Acme".`);
  });
});

describe("renderDigestMail", () => {
  const digest = (counts: { type: string; count: number }[], topActors: { label: string; count: number }[] = []) =>
    renderDigestMail({
      to: "owner@example.com",
      orgName: "<b>Acme</b>",
      from: new Date("2024-05-06T00:00:00Z"),
      to_: new Date("2024-05-13T00:00:00Z"),
      counts,
      topActors,
      link: LINK,
    });

  it("lists counts by type, most first then by type, with the total and at most five top actors", () => {
    const actors = ["a", "b", "c", "d", "e", "f"].map((label, i) => ({ label: `${label}@x.com`, count: 10 - i }));
    const mail = digest(
      [
        { type: "project.created", count: 2 },
        { type: "member.joined", count: 5 },
        { type: "api_key.created", count: 2 },
        { type: "resource.updated", count: 0 },
      ],
      [...actors, { label: "<script>@x.com", count: 20 }],
    );
    expect(mail.subject).toBe(DIGEST_SUBJECT);
    expect(mail.subject).not.toContain("Acme");
    expect(mail.text).toContain(
      ["Events by type:", "- member.joined: 5", "- api_key.created: 2", "- project.created: 2", "Total: 9"].join("\n"),
    );
    expect(mail.text).not.toContain("resource.updated");
    expect(mail.text).toContain(["Most active:", "- <script>@x.com: 20", "- a@x.com: 10"].join("\n"));
    expect(mail.text).toContain("- d@x.com: 7");
    expect(mail.text).not.toContain("e@x.com");
    expect(mail.html).toContain("&lt;script&gt;@x.com");
    expect(mail.html).not.toContain("<script>");
    const order = ["member.joined", "api_key.created", "project.created"].map((t) => mail.html.indexOf(t));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(mail.html).toContain('<th align="left">Total</th><td>9</td>');
    expect(mail.html).toContain("&lt;b&gt;Acme&lt;/b&gt;");
    expect(mail.html).not.toContain("<b>");
    for (const body of [mail.text, mail.html]) expect(body).toContain(LINK);
  });

  it("says so when the week was quiet", () => {
    const mail = digest([]);
    expect(mail.text).toContain("No activity this week.");
    expect(mail.html).toContain("No activity this week.");
    expect(mail.text).not.toContain("Total");
    expect(mail.html).toContain(LINK);
  });
});
