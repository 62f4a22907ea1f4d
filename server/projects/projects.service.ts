import { randomUUID } from "node:crypto";
import type {
  CreateProjectBody,
  Project,
  ProjectMember,
  PutProjectMemberBody,
  UpdateProjectBody,
} from "../../client-sdk/src/contract/index.js";
import { type Access, can } from "../access/permissions.js";
import type { RequestScope } from "../core/actor.js";
import { notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import type { Db } from "../db/database.js";
import type { ProjectRow } from "../db/tables/projects.table.js";
import { type EventSink, type MutationScope, mutateOrg } from "../events/unit-of-work.js";
import { findMember } from "../members/members.repository.js";
import { mutateInProject, type ProjectAccess } from "./project-access.js";
import * as repo from "./projects.repository.js";

export function toProject(row: ProjectRow): Project {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString() };
}

const projectTarget = (id: string) => ({ type: "project", id });

/** Work that must go with a deleted project, in its transaction (its resources, each with an event). */
export type ProjectDeletionHook = (scope: MutationScope, projectId: string) => Promise<void>;

export function createProjectsService({
  db,
  sink,
  deletionHooks = [],
}: {
  db: Db;
  sink: EventSink;
  deletionHooks?: ProjectDeletionHook[];
}) {
  const deps = { db, sink };
  return {
    /** Guests see only the projects they are on. */
    async list(access: Access, page: { limit: number; cursor?: string }) {
      const onlyFor = can(access, "org.read_all") ? undefined : access.userId;
      const after = decodeKeyset(page.cursor);
      const rows = await repo.listProjects(db, access.orgId, { limit: page.limit + 1, after, onlyFor });
      return toPage(rows, page.limit, toProject, (r) => keysetKey(r.created_at, r.id));
    },

    get: (p: ProjectAccess): Project => toProject(p.project),

    async create({ actor, context }: RequestScope, orgId: string, body: CreateProjectBody): Promise<Project> {
      return mutateOrg(deps, { actor, context, orgId, permission: "projects.write" }, async ({ trx, record }) => {
        const row = await repo.insertProject(trx, { id: randomUUID(), orgId, name: body.name });
        await record({
          type: "project.created",
          projectId: row.id,
          target: projectTarget(row.id),
          data: { name: row.name },
        });
        return toProject(row);
      });
    },

    async rename({ actor, context }: RequestScope, orgId: string, projectId: string, body: UpdateProjectBody) {
      return mutateInProject(
        deps,
        { actor, context, orgId, projectId, need: "projects.write" },
        async ({ trx, record }) => {
          const row = await repo.renameProject(trx, projectId, body.name);
          await record({
            type: "project.updated",
            projectId,
            target: projectTarget(projectId),
            data: { name: row.name },
          });
          return toProject(row);
        },
      );
    },

    /**
     * Its resources go with it, each deletion an event; each project member is told they left it
     * (so guests learn, live and on replay), then `project.deleted`.
     */
    async remove({ actor, context }: RequestScope, orgId: string, projectId: string): Promise<void> {
      await mutateInProject(
        deps,
        { actor, context, orgId, projectId, need: "projects.write" },
        async (scope, { project }) => {
          for (const hook of deletionHooks) await hook(scope, projectId);
          for (const member of await repo.listProjectMembers(scope.trx, projectId)) {
            await repo.deleteProjectMember(scope.trx, projectId, member.user_id);
            await scope.record({
              type: "project.member_removed",
              projectId,
              target: { type: "user", id: member.user_id },
              data: { userId: member.user_id },
            });
          }
          await repo.deleteProject(scope.trx, projectId);
          await scope.record({
            type: "project.deleted",
            projectId,
            target: projectTarget(projectId),
            data: { name: project.name },
          });
        },
      );
    },

    async listMembers(p: ProjectAccess): Promise<{ items: ProjectMember[]; nextCursor: null }> {
      const rows = await repo.listProjectMembers(db, p.project.id);
      return {
        items: rows.map((r) => ({
          projectId: r.project_id,
          userId: r.user_id,
          role: r.role,
          addedAt: r.added_at.toISOString(),
        })),
        nextCursor: null,
      };
    },

    /** The user must be an org member (any role); a same-role PUT writes no event. */
    async putMember(
      { actor, context }: RequestScope,
      orgId: string,
      projectId: string,
      userId: string,
      body: PutProjectMemberBody,
    ): Promise<ProjectMember> {
      return mutateInProject(
        deps,
        { actor, context, orgId, projectId, need: "org.manage" },
        async ({ trx, record }) => {
          if (!(await findMember(trx, orgId, userId))) throw notFound("member");
          const { before, addedAt } = await repo.upsertProjectMember(trx, {
            projectId,
            orgId,
            userId,
            role: body.role,
          });
          const target = { type: "user", id: userId };
          if (before === undefined) {
            await record({ type: "project.member_added", projectId, target, data: { userId, role: body.role } });
          } else if (before !== body.role) {
            await record({
              type: "project.member_role_changed",
              projectId,
              target,
              data: { userId, from: before, to: body.role },
            });
          }
          return { projectId, userId, role: body.role, addedAt: addedAt.toISOString() };
        },
      );
    },

    /** A guest loses the project's events at once; one removed from their last project stays a guest. */
    async removeMember({ actor, context }: RequestScope, orgId: string, projectId: string, userId: string) {
      await mutateInProject(deps, { actor, context, orgId, projectId, need: "org.manage" }, async ({ trx, record }) => {
        if (!(await repo.deleteProjectMember(trx, projectId, userId))) throw notFound("project member");
        await record({
          type: "project.member_removed",
          projectId,
          target: { type: "user", id: userId },
          data: { userId },
        });
      });
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
