/**
 * Every failure the SDK reports: an HTTP error envelope, a refused socket handshake, or a network
 * failure (`status` 0, `code` "network").
 *
 * @example
 * try {
 *   await client.orgs.get(orgId);
 * } catch (error) {
 *   if (error instanceof OrgwireError && error.code === "not_found") console.log("no such org");
 * }
 */
export class OrgwireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "OrgwireError";
  }
}
