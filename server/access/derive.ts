import type { OrgRole, OrgSettings } from "../../client-sdk/src/contract/index.js";
import type { Actor } from "../core/actor.js";
import { AppError } from "../core/errors.js";
import { type Access, can, lesserRole, type Permission } from "./permissions.js";

/*
 * Access is derived here, from a principal's current membership role, by pure functions: the
 * repositories read the role (members/members.repository.ts), these decide. docs/access.md says
 * the same rule in prose.
 */

/**
 * The two facts an org's MFA requirement is decided from, read in the same query as the role:
 * whether the org requires MFA (`settings.authentication.requireMfa`), and whether the principal
 * (the user; for an API key, its creator) has MFA on.
 */
export interface MfaFacts {
  orgRequiresMfa: boolean;
  principalHasMfa: boolean;
}

/** Whether an org's settings require MFA of its members (`settings.authentication.requireMfa`). */
export const settingsRequireMfa = (settings: OrgSettings | undefined): boolean =>
  settings?.authentication?.requireMfa === true;

/** Whether an org's MFA requirement shuts this caller out: people only, API keys never. */
export function isMfaMissing(isApiKey: boolean, facts: MfaFacts): boolean {
  return !isApiKey && facts.orgRequiresMfa && !facts.principalHasMfa;
}

/** Access given the principal's membership role: an API key is capped by its creator's role. */
export function accessFor(actor: Actor, orgId: string, memberRole: OrgRole, mfa: MfaFacts): Access {
  const isApiKey = actor.type === "api_key";
  const mfaState = { mfaEnabled: mfa.principalHasMfa, mfaMissing: isMfaMissing(isApiKey, mfa) };
  if (actor.type === "user") {
    return {
      orgId,
      role: memberRole,
      userId: actor.userId,
      audit: memberRole === "owner",
      isApiKey: false,
      ...mfaState,
    };
  }
  return {
    orgId,
    role: lesserRole(actor.role, memberRole),
    userId: actor.creatorId,
    // Audit access is the creator's to lend: it lasts only while they are an owner now.
    audit: actor.audit && memberRole === "owner",
    isApiKey: true,
    ...mfaState,
  };
}

/** Where a member without MFA may still go in an org that requires it: reading the org, leaving it. */
export interface PermissionOptions {
  mfaExempt?: boolean;
}

/**
 * 403 `mfa_required` when the org requires MFA the caller lacks (unless the call site is exempt),
 * then 403 `forbidden` without the permission.
 */
export function requirePermission(access: Access, permission: Permission, options: PermissionOptions = {}): void {
  if (access.mfaMissing && !options.mfaExempt) {
    throw new AppError(
      "mfa_required",
      "this organization requires MFA: turn it on (POST /v1/me/mfa/totp), then try again",
    );
  }
  if (!can(access, permission)) throw new AppError("forbidden", `your role (${access.role}) may not do this`);
}
