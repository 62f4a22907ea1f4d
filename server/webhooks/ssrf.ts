import dns from "node:dns";
import { lookup as lookupAll } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Server-side request forgery guard for webhook URLs: a webhook must not let an org owner make the
 * server call into its own network (databases, admin ports, the cloud metadata service).
 *
 * Two checks, because either alone is not enough: {@link checkWebhookUrl} when the URL is saved (a
 * clear error for the user), and {@link guardedLookup} on every delivery, at connect time, because a
 * name that resolved to a public address when saved can later resolve to 127.0.0.1 (DNS rebinding).
 */

/** The URL is not usable as a webhook (not a URL, wrong protocol, name that does not resolve). */
export class WebhookUrlError extends Error {
  override name = "WebhookUrlError";
}

/** The URL's host is, or resolves to, an address the server must not call. */
export class BlockedAddressError extends Error {
  override name = "BlockedAddressError";
  readonly address: string;
  /** The ipaddr.js range name, e.g. "loopback", "private", "linkLocal". */
  readonly range: string;

  constructor(address: string, range: string) {
    const label = RANGE_LABELS[range] ?? range;
    super(`resolves to ${address}, ${/^[aeiou]/i.test(label) ? "an" : "a"} ${label} address`);
    this.address = address;
    this.range = range;
  }
}

const RANGE_LABELS: Record<string, string> = {
  linkLocal: "link-local",
  uniqueLocal: "unique local",
  carrierGradeNat: "carrier-grade NAT",
  invalid: "invalid",
};

/** The ipaddr.js range of an address, IPv4-mapped IPv6 (::ffff:127.0.0.1) judged as the IPv4 it wraps. */
function rangeOf(ip: string): string {
  // Fail closed: whatever ipaddr.js cannot parse is not known to be public.
  if (!ipaddr.isValid(ip)) return "invalid";
  return ipaddr.process(ip).range();
}

/**
 * Whether the server must refuse to connect to `ip`. Only plain public unicast passes: this blocks
 * loopback, private, link-local (169.254.169.254 metadata), unique local (fd00:ec2::254 metadata),
 * unspecified, broadcast, multicast, carrier-grade NAT, reserved, and the IPv6 tunnelling/translation
 * ranges (6to4, Teredo, NAT64) that can carry a private IPv4 inside.
 */
export function isBlockedAddress(ip: string): boolean {
  return rangeOf(ip) !== "unicast";
}

/** Throws a {@link BlockedAddressError} (naming the range) when {@link isBlockedAddress} is true. */
export function assertPublicAddress(ip: string): void {
  const range = rangeOf(ip);
  if (range !== "unicast") throw new BlockedAddressError(ip, range);
}

/** The URL's host without the brackets that URL keeps around IPv6 literals ("[::1]" → "::1"). */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/**
 * Validates a webhook URL when it is created or changed. Throws {@link WebhookUrlError} for a URL
 * that is not https: (or, with `allowPrivate`, not http(s):) or whose name does not resolve, and
 * {@link BlockedAddressError} when the host is, or resolves to, any blocked address.
 *
 * `allowPrivate` (development and tests) skips everything but the protocol check.
 */
export async function checkWebhookUrl(url: string, opts: { allowPrivate: boolean }): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError("not a valid URL");
  }
  if (opts.allowPrivate) {
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new WebhookUrlError("must use http: or https:");
    }
    return;
  }
  if (parsed.protocol !== "https:") throw new WebhookUrlError("must use https:");

  const host = bareHostname(parsed);
  if (isIP(host)) return assertPublicAddress(host);

  let addresses: dns.LookupAddress[];
  try {
    addresses = await lookupAll(host, { all: true, verbatim: true });
  } catch {
    throw new WebhookUrlError(`${host} does not resolve`);
  }
  if (addresses.length === 0) throw new WebhookUrlError(`${host} does not resolve`);
  // Any blocked address refuses the URL: the client may connect to any of them.
  for (const { address } of addresses) assertPublicAddress(address);
}

/**
 * A `lookup` for `http.request`/`https.request` that resolves like `dns.lookup` and fails the
 * connection with a {@link BlockedAddressError} when the name resolves to any blocked address. It
 * runs on every connection, so it sees the address actually used, whatever DNS said at creation.
 *
 * Node does not call `lookup` for IP literals: check those with {@link isBlockedAddress} first.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    // Always ask for every address: with autoSelectFamily Node may try any of them, so all must pass.
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      if (!allowPrivate) {
        try {
          for (const { address } of addresses) assertPublicAddress(address);
        } catch (blocked) {
          return callback(blocked as BlockedAddressError, "");
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = "ENOTFOUND";
        return callback(notFound, "");
      }
      callback(null, first.address, first.family);
    });
  };
}
