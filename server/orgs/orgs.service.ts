import { randomUUID } from "node:crypto";
import type { CreateOrgBody, Org, UpdateOrgBody } from "../../client-sdk/src/contract/index.js";
import { settingsRequireMfa } from "../access/derive.js";
import { type Access, can } from "../access/permissions.js";
import type { Config } from "../config.js";
import type { RequestScope, UserActor } from "../core/actor.js";
import { AppError, forbidden, notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import { enforceLimit, type RateLimiter } from "../core/rate-limit.js";
import type { Db } from "../db/database.js";
import type { OrgRow } from "../db/tables/orgs.table.js";
import { type EventSink, mutateOrg, openOrgLog } from "../events/unit-of-work.js";
import { insertMembership } from "../members/members.repository.js";
import { deleteCursor, insertCursor } from "../notifications/notifications.repository.js";
import { nextWeekStart, wantsAnyMail } from "../notifications/schedule.js";
import * as repo from "./orgs.repository.js";
import { changedSettings } from "./settings-changes.js";

export interface OrgsServiceDeps {
  db: Db;
  sink: EventSink;
  limiter: RateLimiter;
  config: Pick<Config, "ORGS_PER_USER_PER_HOUR">;
}

/** Guests, and members without the MFA the org requires, see the name and their role only (docs/access.md). */
export function toOrg(
  row: Pick<OrgRow, "id" | "name" | "settings" | "created_at">,
  access: Pick<Access, "role" | "isApiKey" | "audit"> & Partial<Pick<Access, "mfaMissing">>,
): Org {
  const base = { id: row.id, name: row.name, role: access.role };
  // A member without the MFA the org requires sees what a guest sees, whatever their role.
  if (!can(access, "org.read_all") || access.mfaMissing) return base;
  return { ...base, settings: row.settings, createdAt: row.created_at.toISOString() };
}

export function createOrgsService({ db, sink, limiter, config }: OrgsServiceDeps) {
  return {
    async create({ actor, context }: RequestScope<UserActor>, body: CreateOrgBody): Promise<Org> {
      enforceLimit(
        await limiter.hit(`orgs:${actor.userId}`, 3_600_000),
        config.ORGS_PER_USER_PER_HOUR,
        "new organizations",
      );
      const orgId = randomUUID();
      const org = await openOrgLog(
        { db, sink },
        { actor, context, orgId },
        async (trx) => {
          const row = await repo.insertOrg(trx, { id: orgId, name: body.name, createdBy: actor.userId });
          await insertMembership(trx, { orgId, userId: actor.userId, role: "owner" });
          return row;
        },
        async (scope, row) => {
          await scope.record({ type: "org.created", target: { type: "org", id: orgId }, data: { name: body.name } });
          return row;
        },
      );
      return toOrg(org, { role: "owner", isApiKey: false, audit: true });
    },

    async list(actor: UserActor, page: { limit: number; cursor?: string }) {
      const rows = await repo.listOrgsOfUser(db, actor.userId, {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(
        rows,
        page.limit,
        (r) => toOrg(r, { role: r.role, isApiKey: false, audit: r.role === "owner" }),
        (r) => keysetKey(r.joined_at, r.id),
      );
    },

    async get(access: Access): Promise<Org> {
      const row = await repo.findLiveOrg(db, access.orgId);
      if (!row) throw notFound("organization");
      return toOrg(row, access);
    },

    /** Settings: each of preferences/notifications/authentication named replaces the stored one. */
    async update({ actor, context }: RequestScope, orgId: string, body: UpdateOrgBody): Promise<Org> {
      return mutateOrg(
        { db, sink },
        { actor, context, orgId, permission: "org.manage" },
        async ({ org: current, access, write, record, trx, head }) => {
          // A retention of 1 day prunes the whole history at the next sweep: a person decides that.
          if (body.settings?.auditRetentionDays !== undefined && !can(access, "audit.retention")) {
            throw forbidden(
              "settings.auditRetentionDays can be changed by an owner signed in as a user, not by an API key",
            );
          }
          const settings = body.settings ? { ...current.settings, ...body.settings } : undefined;
          const changed = settings ? changedSettings(current.settings, settings) : [];
          // Nobody locks themselves out: an owner turns the requirement on only with MFA of their own.
          if (
            settingsRequireMfa(settings) &&
            !settingsRequireMfa(current.settings) &&
            !access.isApiKey &&
            !access.mfaEnabled
          ) {
            throw new AppError(
              "mfa_required_for_you",
              "turn MFA on for your own account first (POST /v1/me/mfa/totp): requiring it without would lock you out",
            );
          }
          // A rename is `org.updated` (every member sees the name); settings that changed are
          // `settings.updated`, naming the fields; settings sent unchanged record nothing.
          const events: Parameters<typeof write>[1][] = [];
          if (body.name !== undefined) {
            events.push({ type: "org.updated", target: { type: "org", id: orgId }, data: { name: body.name } });
          }
          if (changed.length > 0) {
            events.push({
              type: "settings.updated",
              target: { type: "org", id: orgId },
              data: { changed, settings: settings ?? {} },
            });
          }
          const [first, second] = events;
          if (!first) return toOrg(current, access);
          const [row] = await write<OrgRow>(
            repo.updatingOrg(orgId, { name: body.name, settings: changed.length > 0 ? settings : undefined }),
            first,
          );
          if (second) await record(second);
          // Owners' mail has a cursor through the log while any is wanted, from this event on.
          if (changed.length > 0 && wantsAnyMail(settings) !== wantsAnyMail(current.settings)) {
            if (wantsAnyMail(settings)) await insertCursor(trx, orgId, head.seq - 1, nextWeekStart(head.now));
            else await deleteCursor(trx, orgId);
          }
          return toOrg(row as OrgRow, access);
        },
      );
    },

    async remove({ actor, context }: RequestScope, orgId: string): Promise<void> {
      await mutateOrg(
        { db, sink },
        { actor, context, orgId, permission: "org.delete" },
        async ({ org: current, head, write }) => {
          await write(repo.markingOrgDeleted(orgId, head.now), {
            type: "org.deleted",
            target: { type: "org", id: orgId },
            data: { name: current.name },
          });
        },
      );
    },
  };
}

export type OrgsService = ReturnType<typeof createOrgsService>;
