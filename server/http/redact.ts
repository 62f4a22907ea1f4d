import { UUID_PATTERN } from "../../client-sdk/src/contract/index.js";

/**
 * Paths whose segment after the prefix is a bearer secret: invitation links carry their token in
 * the path (`GET /v1/invitations/<token>`, `POST …/<token>/accept`, the console's `/invite/<token>`),
 * and whoever reads the logs must not be able to accept someone else's invitation.
 */
const SECRET_AFTER = [/^(\/v1\/invitations\/)[^/]+/, /^(\/invite\/)[^/]+/];

/**
 * Anything shaped like one of our secrets, wherever a client put it by mistake: session and
 * invitation tokens (43 base64url characters), API keys (`ow_…`). UUIDs (ids in paths) are kept.
 */
const SECRET_SHAPE = /^(?:ow_[A-Za-z0-9_-]+|[A-Za-z0-9_-]{32,})$/;

export const REDACTED = ":redacted";

/**
 * The path as it may be written to the log. The query string is never logged at all: it is
 * dropped here, since filters and cursors are the caller's data, not ours to keep.
 */
export function redactPath(path: string): string {
  const bare = path.split("?")[0] ?? "";
  const known = SECRET_AFTER.reduce((p, pattern) => p.replace(pattern, `$1${REDACTED}`), bare);
  return known
    .split("/")
    .map((segment) => (SECRET_SHAPE.test(segment) && !UUID_PATTERN.test(segment) ? REDACTED : segment))
    .join("/");
}
