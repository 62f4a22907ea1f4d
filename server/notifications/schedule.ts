import type { OrgEvent, OrgSettings } from "../../client-sdk/src/contract/index.js";

export const WEEK_MS = 7 * 86_400_000;

/** The next Monday 00:00 UTC strictly after `now`: when a weekly digest is due. */
export function nextWeekStart(now: Date): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const daysToMonday = (8 - new Date(midnight).getUTCDay()) % 7 || 7;
  return new Date(midnight + daysToMonday * 86_400_000);
}

/** Whether the owners want any mail at all (then the org has a mail cursor). */
export const wantsAnyMail = (settings: OrgSettings | undefined): boolean =>
  Object.values(settings?.notifications ?? {}).some((on) => on === true);

/** The console page a mail about `event` links to. */
export function consolePathOf(event: OrgEvent): string {
  const org = `/orgs/${event.orgId}`;
  if (event.type.startsWith("member.")) return `${org}/members`;
  if (event.type.startsWith("billing.")) return `${org}/billing`;
  if (event.type.startsWith("api_key.")) return `${org}/api-keys`;
  if (event.type.startsWith("webhook.")) return `${org}/webhooks`;
  if (event.type === "settings.updated") return `${org}/settings`;
  return `${org}/audit`;
}
