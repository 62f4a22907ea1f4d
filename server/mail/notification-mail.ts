import type { OrgEvent } from "../../client-sdk/src/contract/index.js";
import type { OutgoingMail } from "./mailer.js";
import { escapeHtml, oneLine } from "./text.js";

/** The owner mails an org can turn off one by one (`settings.notifications`; weeklyDigest is the digest). */
export type NotificationCategory = "memberChanges" | "billing" | "security";

/** Settings that change who can sign in; other settings (timezone, retention, …) are not worth a mail. */
const isSignInField = (field: string) => field.startsWith("authentication.");

/** Which notification setting governs a mail about this event; undefined when no mail is sent for it. */
export function notificationCategoryOf(event: OrgEvent): NotificationCategory | undefined {
  switch (event.type) {
    case "member.joined":
    case "member.removed":
    case "member.role_changed":
      return "memberChanges";
    case "billing.updated":
      return "billing";
    case "api_key.created":
    case "api_key.revoked":
    case "webhook.disabled":
      return "security";
    case "settings.updated":
      return event.data.changed.some(isSignInField) ? "security" : undefined;
    default:
      return undefined;
  }
}

export interface NotificationMailInput {
  to: string;
  orgName: string;
  event: OrgEvent;
  /** The event in the console, built by the caller. */
  link: string;
  /** User id → "Name <email>", as far as the caller knows them; unknown ids are shown as they are. */
  names: Record<string, string>;
}

/**
 * Subjects carry no text a user chose (see INVITATION_SUBJECT): a subject line reads as Orgwire speaking, and
 * an org or API key named "Your account is suspended" must not put words in its mouth. Bodies quote such names.
 */
const ONE_OF = "one of your organizations on Orgwire";
const WHERE = `in ${ONE_OF}`;

const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");
const list = (items: readonly string[]) => items.map((i) => oneLine(i)).join(", ");
const mail = (subject: string, summary: string) => ({ subject, summary });

/** Subject and a one-paragraph summary in plain text: user parts went through `oneLine`, HTML escapes it whole. */
function describe(event: OrgEvent, org: string, name: (id: string, fallback?: string) => string) {
  switch (event.type) {
    case "member.joined": {
      const { userId, email, role } = event.data;
      const who = name(userId, email);
      return mail(`A member joined ${ONE_OF}`, `${who} joined ${org} as ${article(role)} ${role}.`);
    }
    case "member.removed":
      return event.data.reason === "left"
        ? mail(`A member left ${ONE_OF}`, `${name(event.data.userId)} left ${org}.`)
        : mail(`A member was removed ${WHERE}`, `${name(event.data.userId)} was removed from ${org}.`);
    case "member.role_changed": {
      const { userId, from, to } = event.data;
      const what = `The role of ${name(userId)} in ${org} changed from ${from} to ${to}.`;
      return mail(`A member's role changed ${WHERE}`, what);
    }
    case "billing.updated": {
      const fields = event.data.fields.length ? ` (${list(event.data.fields)})` : "";
      return mail(`Billing details changed ${WHERE}`, `The billing details of ${org} changed${fields}.`);
    }
    case "api_key.created": {
      const { name: key, role, audit } = event.data;
      const access = `${article(role)} ${role}${audit ? ", with audit access" : ""}`;
      return mail(`A new API key was created ${WHERE}`, `A new API key "${oneLine(key)}" of ${org} acts as ${access}.`);
    }
    case "api_key.revoked": {
      const key = `The API key "${oneLine(event.data.name)}" of ${org}`;
      if (event.data.reason === "expired") return mail(`An API key expired ${WHERE}`, `${key} expired.`);
      const why = event.data.reason === "creator_removed" ? " because the member who created it left" : "";
      return mail(`An API key was revoked ${WHERE}`, `${key} was revoked${why}.`);
    }
    case "settings.updated": {
      const changed = `The settings of ${org} changed: ${list(event.data.changed)}.`;
      if (!event.data.changed.some(isSignInField)) return mail(`Settings changed ${WHERE}`, changed);
      // The new values, so the owner sees at once whether the org got stricter or looser.
      const auth = event.data.settings.authentication ?? {};
      const domains = auth.allowedEmailDomains?.length ? list(auth.allowedEmailDomains) : "any";
      const now = `MFA is ${auth.requireMfa ? "" : "not "}required; email domains allowed to join: ${domains}.`;
      return mail(`Sign-in settings changed ${WHERE}`, `${changed} Now ${now}`);
    }
    case "webhook.disabled": {
      const { url, seq, failingSince } = event.data;
      const why = `deliveries failed since ${oneLine(failingSince)}, stuck at event #${seq}`;
      const what = `Orgwire turned off the webhook of ${org} to "${oneLine(url, 200)}": ${why}.`;
      return mail(`A webhook was turned off ${WHERE}`, `${what} Fix the endpoint, then turn it back on.`);
    }
    default:
      // Callers mail only events with a category, but an unexpected one still gets an honest mail.
      return mail(`Activity ${WHERE}`, `Event ${event.type} happened in ${org}.`);
  }
}

/** Who did it: a user by name when known, else their email; keys and Orgwire itself by what they are. */
function actorLabel(actor: OrgEvent["actor"], names: Record<string, string>) {
  if (actor.type === "api_key") return "an API key";
  if (actor.type === "system") return "Orgwire";
  return oneLine(names[actor.id] ?? actor.email ?? actor.id);
}

/** One table row headed by its first cell; the caller escapes every value. */
const row = (head: string, ...values: string[]) =>
  `<tr><th align="left">${head}</th>${values.map((v) => `<td>${v}</td>`).join("")}</tr>`;

/** The HTML around a body; every piece of text in `body` is escaped by the caller. */
const page = (body: string[], link: string, linkText: string, footer: string) =>
  [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    ...body,
    `<p><a href="${escapeHtml(link)}">${linkText}</a></p>`,
    `<p>Or paste this link into your browser: ${escapeHtml(link)}</p>`,
    `<p style="color: #666">${escapeHtml(footer)}</p>`,
    "</body></html>",
  ].join("\n");

/** An owner notification about one event: what happened, who did it, when, its seq, and the console link. */
export function renderNotificationMail(input: NotificationMailInput): OutgoingMail {
  const { event, names, link } = input;
  const org = `the organization "${oneLine(input.orgName)}"`;
  const name = (id: string, fallback?: string) => oneLine(names[id] ?? fallback ?? id);
  const { subject, summary } = describe(event, org, name);
  const facts = [
    ["By", actorLabel(event.actor, names)],
    ["When", event.occurredAt],
    ["Event", `#${event.seq} (${event.type})`],
  ] as const;
  // Says where to opt out: an owner who gets too many mails should not have to guess.
  const footer = `You receive this mail as an owner of ${org}. Owners choose which mails they get in its settings.`;
  const text = [summary, "", ...facts.map(([k, v]) => `${k}: ${v}`), "", "See it in the console:", link, "", footer];
  const table = `<table>${facts.map(([k, v]) => row(k, escapeHtml(v))).join("")}</table>`;
  const html = page([`<p>${escapeHtml(summary)}</p>`, table], link, "See it in the console", footer);
  return { to: input.to, subject, text: text.join("\n"), html, link };
}

export interface DigestMailInput {
  to: string;
  orgName: string;
  /** The week covered: `from` inclusive, `to_` exclusive (`to` is the recipient). */
  from: Date;
  to_: Date;
  counts: { type: string; count: number }[];
  topActors: { label: string; count: number }[];
  /** The org's activity in the console. */
  link: string;
}

export const DIGEST_SUBJECT = "Your week on Orgwire: activity in one of your organizations";
const TOP_ACTORS = 5;

type Row = { label: string; count: number };
/** Most first; ties by label, so the same week always renders the same mail. Zero rows say nothing. */
const ranked = (rows: Row[]) =>
  rows
    .filter((r) => r.count > 0)
    .map((r) => ({ label: oneLine(r.label), count: r.count }))
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));

/** The weekly digest of one org: events by type (most first), their total, and the most active actors. */
export function renderDigestMail(input: DigestMailInput): OutgoingMail {
  const org = `the organization "${oneLine(input.orgName)}"`;
  const counts = ranked(input.counts.map((c) => ({ label: c.type, count: c.count })));
  const actors = ranked(input.topActors).slice(0, TOP_ACTORS);
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  const intro = `Activity in ${org} from ${input.from.toUTCString()} to ${input.to_.toUTCString()}.`;
  const footer = `You receive this mail as an owner of ${org}. Owners can turn off the weekly digest in its settings.`;
  const lines = (rows: Row[]) => rows.map((r) => `- ${r.label}: ${r.count}`);
  // Who was most active only means something next to what they did.
  const most = actors.length ? ["", "Most active:", ...lines(actors)] : [];
  const activity =
    total === 0 ? ["No activity this week."] : ["Events by type:", ...lines(counts), `Total: ${total}`, ...most];
  const text = [intro, "", ...activity, "", "See the activity in the console:", input.link, "", footer];

  const table = (head: string, rows: Row[], foot?: string) =>
    [
      `<table>${row(head, "<strong>Events</strong>")}`,
      ...rows.map((r) => row(escapeHtml(r.label), String(r.count))),
      `${foot ? row("Total", foot) : ""}</table>`,
    ].join("\n");
  const body =
    total === 0
      ? ["<p>No activity this week.</p>"]
      : [table("Event type", counts, String(total)), ...(actors.length ? [table("Most active", actors)] : [])];
  const html = page([`<p>${escapeHtml(intro)}</p>`, ...body], input.link, "See the activity in the console", footer);
  return { to: input.to, subject: DIGEST_SUBJECT, text: text.join("\n"), html, link: input.link };
}
