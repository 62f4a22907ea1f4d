/** Text helpers shared by the mail renderers: every mail puts user-chosen text into plain text and HTML. */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/**
 * Names come from users: one line each, not too long, and without control or bidirectional
 * formatting characters (which could make the text read differently from what it is).
 */
export const oneLine = (s: string, max = 120) => {
  const flat = s
    .replace(/\p{Cc}+/gu, " ")
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
