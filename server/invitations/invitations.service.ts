/**
 * Invitations: an owner invites an email address with an org role (and project roles); the mail
 * carries `PUBLIC_URL/invite/<token>`; the holder reads it and, signed in with that address,
 * accepts it once.
 *
 * Our choices (README, Decisions) (after GitHub and WorkOS):
 * - Tokens are 32 random bytes (base64url, 43 characters); only their SHA-256 is stored. A resend
 *   replaces the token, so the old link is then unknown (404), and restarts the 7 days.
 * - One pending invitation per email and org: inviting again is 409 `conflict` (resend or revoke
 *   the pending one). An expired one does not block a new invitation.
 * - The per-org rate limit counts every invitation mail an owner asks for, new or resent, when it
 *   is asked for (after authorization and body validation, before the other checks). A per-user
 *   limit counts the same mails for the inviting user across all their orgs (a key counts for its
 *   creator), so one person cannot mail the world by creating many orgs.
 * - The mail is sent after the commit, before the HTTP answer. If it cannot be sent, the
 *   invitation stands (201/200 all the same), the failure is logged, and the owner can resend.
 * - Resend re-checks what invite checks (allowed domains, already a member, another pending
 *   invitation); an expired invitation may be resent, an accepted or revoked one may not (404).
 * - Revoking an expired (never accepted) invitation is allowed; revoking an accepted, revoked or
 *   unknown one is 404. The list shows pending ones only (not accepted, revoked or expired).
 * - Reading or accepting a token: unknown, revoked, or of a deleted org → 404; accepted or
 *   expired → 410. Accepting with a session of another email is 403 `forbidden`.
 * - Project grants are checked at invite (unknown project → 400); at accept, grants on projects
 *   deleted since are skipped and the rest applied, each with its own `project.member_added`.
 * - An owner-role API key may invite (like every `org.manage` route); the invitation names the
 *   key's creator as `invitedBy`.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type {
  AcceptedInvitation,
  CreateInvitationBody,
  Invitation,
  InvitationPreview,
  OrgSettings,
  ProjectGrant,
} from "../../client-sdk/src/contract/index.js";
import type { Access } from "../access/permissions.js";
import { findUserById } from "../auth/auth.repository.js";
import { hashToken, newToken } from "../auth/tokens.js";
import type { Config } from "../config.js";
import { type Actor, principalUserId, type RequestScope, type UserActor } from "../core/actor.js";
import { AppError, forbidden, invalidRequest, notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import { enforceLimit, type RateLimiter } from "../core/rate-limit.js";
import type { Db, Executor } from "../db/database.js";
import type { InvitationRow } from "../db/tables/invitations.table.js";
import { type EventSink, mutateOrg, mutateOrgAsOutsider } from "../events/unit-of-work.js";
import { renderInvitationMail } from "../mail/invitation-mail.js";
import type { Mailer } from "../mail/mailer.js";
import { insertMembership } from "../members/members.repository.js";
import { findLiveOrg } from "../orgs/orgs.repository.js";
import { existingProjectIds, upsertProjectMember } from "../projects/projects.repository.js";
import * as repo from "./invitations.repository.js";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface InvitationsServiceDeps {
  db: Db;
  sink: EventSink;
  limiter: RateLimiter;
  mailer: Mailer;
  log: Logger;
  config: Pick<Config, "PUBLIC_URL" | "INVITATIONS_PER_ORG_PER_HOUR" | "INVITATIONS_PER_USER_PER_HOUR">;
}

export function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    projects: row.projects,
    invitedBy: row.invited_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}

/** `allowedEmailDomains`: empty or absent means anyone; else an exact, case-insensitive domain match. */
export function assertDomainAllowed(settings: OrgSettings, email: string): void {
  const allowed = settings.authentication?.allowedEmailDomains ?? [];
  if (allowed.length === 0) return;
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  if (!allowed.some((d) => d.toLowerCase() === domain)) {
    throw new AppError("domain_not_allowed", `this organization does not accept members from ${domain}`);
  }
}

/** Revoked is 404 (as if it never was); accepted or expired is 410. */
function assertUsable(row: InvitationRow, now: Date): void {
  if (row.revoked_at) throw notFound("invitation");
  if (row.accepted_at) throw new AppError("gone", "this invitation has already been used");
  if (row.expires_at.getTime() <= now.getTime()) throw new AppError("gone", "this invitation has expired");
}

/** Lower-cased ids, each once, every one a project of the org (else 400 naming the unknown ones). */
async function checkGrants(db: Executor, orgId: string, grants: ProjectGrant[]): Promise<ProjectGrant[]> {
  const normalized = grants.map((g) => ({ projectId: g.projectId.toLowerCase(), role: g.role }));
  const ids = normalized.map((g) => g.projectId);
  if (new Set(ids).size !== ids.length) throw invalidRequest("name each project once");
  const existing = await existingProjectIds(db, orgId, ids);
  const unknown = ids.filter((id) => !existing.has(id));
  if (unknown.length > 0) {
    throw invalidRequest("some projects are not projects of this organization", { unknownProjectIds: unknown });
  }
  return normalized;
}

const alreadyMember = () => new AppError("already_member", "this person is already a member of the organization");

export function createInvitationsService(deps: InvitationsServiceDeps) {
  const { db, limiter, mailer, log, config } = deps;
  const expiryFrom = (now: Date) => new Date(now.getTime() + INVITATION_TTL_MS);

  /**
   * Every invitation mail asked for counts against the inviting user's hourly budget (over all
   * their orgs), then the org's. The user's comes first so that someone over their own budget
   * does not also use up the budget of the org's other owners.
   */
  async function countMail(actor: Actor, orgId: string) {
    enforceLimit(
      await limiter.hit(`invitations-by-user:${principalUserId(actor)}`, HOUR_MS),
      config.INVITATIONS_PER_USER_PER_HOUR,
      "invitations from you",
    );
    enforceLimit(
      await limiter.hit(`invitations:${orgId}`, HOUR_MS),
      config.INVITATIONS_PER_ORG_PER_HOUR,
      "invitations for this organization",
    );
  }

  /** The org, if it accepts members from this email's domain (invite and resend, under the lock). */
  async function orgAllowing(trx: Executor, orgId: string, email: string) {
    const org = await findLiveOrg(trx, orgId);
    if (!org) throw notFound("organization");
    assertDomainAllowed(org.settings, email);
    return org;
  }

  /** 409 when the person is a member already, or another pending invitation names them. */
  async function assertNotInvited(trx: Executor, orgId: string, email: string, now: Date, exceptId?: string) {
    if (await repo.isMemberByEmail(trx, orgId, email)) throw alreadyMember();
    if (await repo.findPendingForEmail(trx, orgId, email, now, exceptId)) {
      throw new AppError("conflict", "a pending invitation for this email exists; resend or revoke it");
    }
  }

  /** After the commit. A failure keeps the invitation (the owner can resend) and is logged. */
  async function sendMail(sent: { row: InvitationRow; token: string; orgName: string }) {
    const { row } = sent;
    try {
      const inviter = await findUserById(db, row.invited_by);
      await mailer.send(
        renderInvitationMail({
          to: row.email,
          orgName: sent.orgName,
          role: row.role,
          inviter: inviter && { name: inviter.name, email: inviter.email },
          link: `${config.PUBLIC_URL}/invite/${sent.token}`,
          expiresAt: row.expires_at,
        }),
      );
    } catch (err) {
      log.error(
        { err, orgId: row.org_id, invitationId: row.id },
        "invitation mail could not be sent; the invitation stands and can be resent",
      );
    }
  }

  return {
    async create({ actor, context }: RequestScope, orgId: string, body: CreateInvitationBody): Promise<Invitation> {
      await countMail(actor, orgId);
      const sent = await mutateOrg(deps, { actor, context, orgId, permission: "org.manage" }, async (scope) => {
        const { trx, head, access, record } = scope;
        const org = await orgAllowing(trx, orgId, body.email);
        const grants = await checkGrants(trx, orgId, body.projects ?? []);
        await assertNotInvited(trx, orgId, body.email, head.now);
        const token = newToken();
        const row = await repo.insertInvitation(trx, {
          id: randomUUID(),
          org_id: orgId,
          email: body.email,
          role: body.role,
          projects: grants,
          token_hash: hashToken(token),
          invited_by: access.userId,
          expires_at: expiryFrom(head.now),
        });
        await record({
          type: "member.invited",
          target: { type: "invitation", id: row.id },
          data: {
            invitationId: row.id,
            email: row.email,
            role: row.role,
            ...(grants.length ? { projects: grants } : {}),
          },
        });
        return { row, token, orgName: org.name };
      });
      await sendMail(sent);
      return toInvitation(sent.row);
    },

    /** Pending invitations, oldest first. */
    async list(access: Access, page: { limit: number; cursor?: string }) {
      const after = decodeKeyset(page.cursor);
      const rows = await repo.listPendingInvitations(db, access.orgId, {
        limit: page.limit + 1,
        now: new Date(),
        after,
      });
      return toPage(rows, page.limit, toInvitation, (r) => keysetKey(r.created_at, r.id));
    },

    async revoke({ actor, context }: RequestScope, orgId: string, invitationId: string): Promise<void> {
      await mutateOrg(deps, { actor, context, orgId, permission: "org.manage" }, async ({ trx, head, record }) => {
        const row = await repo.findOpenInvitation(trx, orgId, invitationId);
        if (!row) throw notFound("invitation");
        await repo.markRevoked(trx, row.id, head.now);
        await record({
          type: "invitation.revoked",
          target: { type: "invitation", id: row.id },
          data: { invitationId: row.id, email: row.email },
        });
      });
    },

    /** A new token (the old one is dead) and a new 7-day expiry; the mail goes out again. */
    async resend({ actor, context }: RequestScope, orgId: string, invitationId: string): Promise<Invitation> {
      await countMail(actor, orgId);
      const sent = await mutateOrg(deps, { actor, context, orgId, permission: "org.manage" }, async (scope) => {
        const { trx, head, record } = scope;
        const open = await repo.findOpenInvitation(trx, orgId, invitationId);
        if (!open) throw notFound("invitation");
        const org = await orgAllowing(trx, orgId, open.email);
        await assertNotInvited(trx, orgId, open.email, head.now, open.id);
        const token = newToken();
        const row = await repo.replaceToken(trx, open.id, hashToken(token), expiryFrom(head.now));
        await record({
          type: "invitation.resent",
          target: { type: "invitation", id: row.id },
          data: { invitationId: row.id, email: row.email },
        });
        return { row, token, orgName: org.name };
      });
      await sendMail(sent);
      return toInvitation(sent.row);
    },

    /** What the link's holder may read, without signing in. */
    async preview(token: string): Promise<InvitationPreview> {
      const row = await repo.findByTokenHash(db, hashToken(token));
      if (!row) throw notFound("invitation");
      assertUsable(row, new Date());
      return {
        orgId: row.org_id,
        orgName: row.org_name,
        email: row.email,
        role: row.role,
        expiresAt: row.expires_at.toISOString(),
      };
    },

    /**
     * Single use, in one transaction under the org's lock: the membership, the project roles that
     * still exist, `member.joined` and one `project.member_added` per applied grant.
     */
    async accept({ actor, context }: RequestScope<UserActor>, token: string): Promise<AcceptedInvitation> {
      const tokenHash = hashToken(token);
      const found = await repo.findByTokenHash(db, tokenHash);
      if (!found) throw notFound("invitation");
      const orgId = found.org_id;
      return mutateOrgAsOutsider(deps, { actor, context, orgId }, async ({ trx, head, record }, memberRole) => {
        // Read again under the lock: a resend or revocation may have committed in between.
        const row = await repo.findByTokenHash(trx, tokenHash);
        if (!row || row.org_id !== orgId) throw notFound("invitation");
        assertUsable(row, head.now);
        if (row.email !== actor.email.toLowerCase()) {
          throw forbidden("this invitation was sent to another email address; sign in with that one");
        }
        assertDomainAllowed(row.org_settings, row.email);
        if (memberRole) throw alreadyMember();

        const userId = actor.userId;
        await repo.markAccepted(trx, row.id, userId, head.now);
        await insertMembership(trx, { orgId, userId, role: row.role });
        await record({
          type: "member.joined",
          target: { type: "user", id: userId },
          data: { userId, email: actor.email, role: row.role },
        });
        const existing = await existingProjectIds(
          trx,
          orgId,
          row.projects.map((g) => g.projectId),
        );
        for (const grant of row.projects.filter((g) => existing.has(g.projectId))) {
          await upsertProjectMember(trx, { projectId: grant.projectId, orgId, userId, role: grant.role });
          await record({
            type: "project.member_added",
            projectId: grant.projectId,
            target: { type: "user", id: userId },
            data: { userId, role: grant.role },
          });
        }
        return { orgId, role: row.role };
      });
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
