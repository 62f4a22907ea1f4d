import type { OrgSettings } from "../../client-sdk/src/contract/index.js";

/** The sections whose fields are named one by one in `settings.updated`. */
const SECTIONS = ["preferences", "notifications", "authentication"] as const;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The fields that differ between two versions of an org's settings, as dotted paths
 * (`authentication.requireMfa`, `notifications.billing`, `auditRetentionDays`), sorted: what a
 * `settings.updated` event names. A field that went from absent to its default still counts: the
 * owner chose it.
 */
export function changedSettings(before: OrgSettings, after: OrgSettings): string[] {
  const changed: string[] = [];
  for (const section of SECTIONS) {
    const was: Record<string, unknown> = before[section] ?? {};
    const now: Record<string, unknown> = after[section] ?? {};
    for (const field of new Set([...Object.keys(was), ...Object.keys(now)])) {
      if (!same(was[field], now[field])) changed.push(`${section}.${field}`);
    }
  }
  if (!same(before.auditRetentionDays, after.auditRetentionDays)) changed.push("auditRetentionDays");
  return changed.sort();
}
