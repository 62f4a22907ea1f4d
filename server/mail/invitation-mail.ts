import type { OrgRole } from "../../client-sdk/src/contract/index.js";
import type { OutgoingMail } from "./mailer.js";
import { escapeHtml, oneLine } from "./text.js";

export interface InvitationMailInput {
  to: string;
  orgName: string;
  role: OrgRole;
  /** Who invited: name and email, when known. */
  inviter: { name: string; email: string } | undefined;
  /** `PUBLIC_URL/invite/<token>`. */
  link: string;
  expiresAt: Date;
}

const article = (role: OrgRole) => (role === "owner" || role === "editor" ? "an" : "a");

/**
 * The subject carries no text a user chose. Org and user names are anyone's to pick ("Your account
 * is suspended, click"), and a subject line is read as Orgwire speaking. The body names them inside
 * a sentence that says what they are, the org's name in quotes.
 */
export const INVITATION_SUBJECT = "You are invited to join an organization on Orgwire";

/** The invitation mail: subject, plain text and HTML, with the link and its expiry. */
export function renderInvitationMail(input: InvitationMailInput): OutgoingMail {
  const org = `"${oneLine(input.orgName)}"`;
  const by = input.inviter ? `${oneLine(input.inviter.name)} (${input.inviter.email})` : "An owner";
  const expires = input.expiresAt.toUTCString();
  const subject = INVITATION_SUBJECT;
  const text = [
    `${by} invited you to join the organization ${org} on Orgwire as ${article(input.role)} ${input.role}.`,
    "",
    "Accept the invitation (sign in or sign up with this email address first):",
    input.link,
    "",
    `The link works once and expires on ${expires}.`,
    "If you did not expect this invitation, you can ignore this mail.",
  ].join("\n");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>${escapeHtml(by)} invited you to join the organization <strong>${escapeHtml(org)}</strong> on Orgwire as ${article(input.role)} ${escapeHtml(input.role)}.</p>`,
    `<p><a href="${escapeHtml(input.link)}">Accept the invitation</a></p>`,
    `<p>Or paste this link into your browser: ${escapeHtml(input.link)}</p>`,
    `<p style="color: #666">The link works once and expires on ${escapeHtml(expires)}. If you did not expect this invitation, you can ignore this mail.</p>`,
    "</body></html>",
  ].join("\n");
  return { to: input.to, subject, text, html, link: input.link };
}
