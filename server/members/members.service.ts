import type { ChangeRoleBody, Member, OrgRole } from "../../client-sdk/src/contract/index.js";
import type { Access } from "../access/permissions.js";
import type { Actor, RequestScope, UserActor } from "../core/actor.js";
import { AppError, notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import type { Db } from "../db/database.js";
import { type EventSink, type MutationScope, mutateOrg, mutateOrgAsOutsider } from "../events/unit-of-work.js";
import * as repo from "./members.repository.js";

/**
 * Other domains' clean-up when a member leaves (API keys; project roles go with the membership, by
 * a foreign key): same transaction, and their own events, recorded after the removal's.
 */
export type MemberRemovalHook = (scope: MutationScope, userId: string) => Promise<void>;

export interface MembersServiceDeps {
  db: Db;
  sink: EventSink;
  removalHooks?: MemberRemovalHook[];
}

export function toMember(r: repo.MemberRecord): Member {
  return { userId: r.user_id, email: r.email, name: r.name, role: r.role, joinedAt: r.joined_at.toISOString() };
}

/** Whether this DELETE is the caller leaving (any member may) rather than removing someone. */
export const isSelf = (actor: Actor, userId: string) => actor.type === "user" && actor.userId === userId;

/** Orgs whose `member.mfa_changed` is recorded at once (each is its own transaction). */
const MFA_EVENTS_AT_ONCE = 8;

export function createMembersService({ db, sink, removalHooks = [] }: MembersServiceDeps) {
  return {
    /**
     * A member turned MFA on or off: `member.mfa_changed` in each org they belong to, one mutation
     * per org (an org's lock, its own seq). Turning it off where an org requires MFA revokes their
     * sockets there, acknowledged before this resolves. Answers the orgs where it failed.
     */
    async recordMfaChange({ actor, context }: RequestScope<UserActor>, enabled: boolean) {
      const orgIds = await repo.liveOrgIdsOfUser(db, actor.userId);
      const failed: { orgId: string; err: unknown }[] = [];
      for (let i = 0; i < orgIds.length; i += MFA_EVENTS_AT_ONCE) {
        const batch = orgIds.slice(i, i + MFA_EVENTS_AT_ONCE);
        const results = await Promise.allSettled(
          batch.map((orgId) =>
            // As the member, whatever the org requires: the change concerns their own account.
            mutateOrgAsOutsider({ db, sink }, { actor, context, orgId }, async ({ record }, role) => {
              if (!role) return; // left meanwhile
              await record({
                type: "member.mfa_changed",
                target: { type: "user", id: actor.userId },
                data: { userId: actor.userId, enabled },
              });
            }),
          ),
        );
        results.forEach((r, j) => {
          if (r.status === "rejected") failed.push({ orgId: batch[j] as string, err: r.reason });
        });
      }
      return failed;
    },

    async list(access: Access, page: { limit: number; cursor?: string }) {
      const rows = await repo.listMembers(db, access.orgId, {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(rows, page.limit, toMember, (r) => keysetKey(r.joined_at, r.user_id));
    },

    /** Immediate; an org always keeps one owner (409 last_owner), also under concurrent calls. */
    async changeRole({ actor, context }: RequestScope, orgId: string, userId: string, body: ChangeRoleBody) {
      return mutateOrg({ db, sink }, { actor, context, orgId, permission: "org.manage" }, async ({ trx, record }) => {
        const member = await repo.findMember(trx, orgId, userId);
        if (!member) throw notFound("member");
        if (member.role === body.role) return toMember(member);
        if (member.role === "owner" && (await repo.countOwners(trx, orgId)) <= 1) {
          throw new AppError("last_owner", "an organization needs at least one owner");
        }
        await repo.setRole(trx, orgId, userId, body.role);
        await record({
          type: "member.role_changed",
          target: { type: "user", id: userId },
          data: { userId, from: member.role, to: body.role },
        });
        return toMember({ ...member, role: body.role });
      });
    },

    /** Removal by an owner, or leaving (self). Access ends when this commits. */
    async remove({ actor, context }: RequestScope, orgId: string, userId: string) {
      const leaving = isSelf(actor, userId);
      await mutateOrg(
        { db, sink },
        // Leaving stays open to a member without the MFA the org requires.
        { actor, context, orgId, permission: leaving ? "org.read" : "org.manage", mfaExempt: leaving },
        async (scope) => {
          // The delete and its event in one statement; if it took the last owner, or there was no
          // such member, throwing rolls both back.
          const [removed] = await scope.write<{ role: OrgRole }>(repo.deletingMembership(orgId, userId), {
            type: "member.removed",
            target: { type: "user", id: userId },
            data: { userId, reason: leaving ? "left" : "removed" },
          });
          if (!removed) throw notFound("member");
          if (removed.role === "owner" && (await repo.countOwners(scope.trx, orgId)) === 0) {
            throw new AppError(
              "last_owner",
              "the last owner cannot leave or be removed; delete the org or name another owner",
            );
          }
          for (const hook of removalHooks) await hook(scope, userId);
        },
      );
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
