import { WebhookVerificationError as LibraryVerificationError, Webhook } from "standardwebhooks";
import type { OrgEvent } from "../contract/index.js";

/**
 * A request whose signature does not hold. Our own class, not the library's: its type
 * declarations need Node's `Buffer`, which a browser or edge project's TypeScript does not have.
 */
export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

/**
 * Checks a webhook request's signature (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) and answers the event it carries. Pass the body exactly as received: a
 * re-serialized JSON body does not verify. Throws `WebhookVerificationError` on a bad or missing
 * signature, or a timestamp more than 5 minutes off (replayed requests).
 *
 * @example
 * const event = verifyWebhook(rawBody, req.headers, process.env.ORGWIRE_WEBHOOK_SECRET);
 * if (event.type === "member.joined") welcome(event.data.email);
 */
export function verifyWebhook(payload: string, headers: Record<string, string> | Headers, secret: string): OrgEvent {
  try {
    return new Webhook(secret).verify(payload, isHeaders(headers) ? toRecord(headers) : headers) as OrgEvent;
  } catch (err) {
    if (err instanceof LibraryVerificationError) throw new WebhookVerificationError(err.message);
    throw err;
  }
}

/** The library reads a plain object; a fetch `Headers` is copied into one (its names are lower case). */
function toRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

// Not `instanceof Headers`: runtimes and polyfills each have their own class.
const isHeaders = (headers: Record<string, string> | Headers): headers is Headers =>
  typeof (headers as Headers).forEach === "function" && typeof (headers as Headers).get === "function";
