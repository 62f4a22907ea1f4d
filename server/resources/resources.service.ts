import { randomUUID } from "node:crypto";
import {
  type CreateResourceBody,
  fqdn,
  RESOURCE_CONFIGS,
  type Resource,
  type ResourceType,
  type UpdateResourceBody,
} from "../../client-sdk/src/contract/index.js";
import type { RequestScope } from "../core/actor.js";
import { invalidRequest, notFound } from "../core/errors.js";
import { decodeKeyset, keysetKey, toPage } from "../core/paging.js";
import type { Db } from "../db/database.js";
import type { ResourceRow } from "../db/tables/resources.table.js";
import type { EventSink, MutationScope } from "../events/unit-of-work.js";
import { mutateInProject, type ProjectAccess } from "../projects/project-access.js";
import * as repo from "./resources.repository.js";

export function toResource(row: ResourceRow): Resource {
  return {
    id: row.id,
    projectId: row.project_id,
    type: row.type,
    name: row.name,
    config: row.config,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const target = (id: string) => ({ type: "resource", id });

/** A domain's `fqdn` defaults to the resource's name, which must then be a domain. */
function completeConfig(type: ResourceType, name: string, config: Record<string, unknown>): Record<string, unknown> {
  const parsed = RESOURCE_CONFIGS[type].safeParse(config);
  if (!parsed.success) throw invalidRequest("invalid config", parsed.error.issues);
  if (type !== "domain" || (parsed.data as { fqdn?: string }).fqdn) return parsed.data;
  const derived = fqdn.safeParse(name);
  if (!derived.success)
    throw invalidRequest("a domain needs config.fqdn, or a name that is a domain", derived.error.issues);
  return { ...parsed.data, fqdn: derived.data };
}

/** Used by project deletion: each resource goes with its own event. */
export async function deleteResourcesOfProject(scope: MutationScope, projectId: string): Promise<void> {
  for (const row of await repo.allResourcesOfProject(scope.trx, projectId)) {
    await scope.write(repo.deletingResource(row.id), {
      type: "resource.deleted",
      projectId,
      target: target(row.id),
      data: { type: row.type, name: row.name },
    });
  }
}

export function createResourcesService({ db, sink }: { db: Db; sink: EventSink }) {
  const deps = { db, sink };
  const found = async (scope: MutationScope, projectId: string, resourceId: string) => {
    const row = await repo.findResource(scope.trx, projectId, resourceId);
    if (!row) throw notFound("resource");
    return row;
  };

  return {
    async list(p: ProjectAccess, page: { limit: number; cursor?: string }) {
      const rows = await repo.listResources(db, p.project.id, {
        limit: page.limit + 1,
        after: decodeKeyset(page.cursor),
      });
      return toPage(rows, page.limit, toResource, (r) => keysetKey(r.created_at, r.id));
    },

    async get(p: ProjectAccess, resourceId: string): Promise<Resource> {
      const row = await repo.findResource(db, p.project.id, resourceId);
      if (!row) throw notFound("resource");
      return toResource(row);
    },

    async create({ actor, context }: RequestScope, orgId: string, projectId: string, body: CreateResourceBody) {
      const config = completeConfig(body.type, body.name, body.config);
      return mutateInProject(deps, { actor, context, orgId, projectId, need: "resources.write" }, async ({ write }) => {
        const id = randomUUID();
        const [row] = await write<ResourceRow>(
          repo.insertingResource({ id, orgId, projectId, type: body.type, name: body.name, config }),
          {
            type: "resource.created",
            projectId,
            target: target(id),
            data: { type: body.type, name: body.name, config },
          },
        );
        return toResource(row as ResourceRow);
      });
    },

    /** `config` names the fields to change; the merged config must still be valid for the type. */
    async update(
      { actor, context }: RequestScope,
      orgId: string,
      projectId: string,
      resourceId: string,
      body: UpdateResourceBody,
    ) {
      return mutateInProject(deps, { actor, context, orgId, projectId, need: "resources.write" }, async (scope) => {
        const current = await found(scope, projectId, resourceId);
        const name = body.name ?? current.name;
        const config = completeConfig(current.type, name, { ...current.config, ...body.config });
        const [row] = await scope.write<ResourceRow>(
          repo.updatingResource(resourceId, { name, config, at: scope.head.now }),
          {
            type: "resource.updated",
            projectId,
            target: target(resourceId),
            data: { type: current.type, name, config },
          },
        );
        return toResource(row as ResourceRow);
      });
    },

    async remove({ actor, context }: RequestScope, orgId: string, projectId: string, resourceId: string) {
      await mutateInProject(deps, { actor, context, orgId, projectId, need: "resources.write" }, async (scope) => {
        const row = await found(scope, projectId, resourceId);
        await scope.write(repo.deletingResource(resourceId), {
          type: "resource.deleted",
          projectId,
          target: target(row.id),
          data: { type: row.type, name: row.name },
        });
      });
    },
  };
}

export type ResourcesService = ReturnType<typeof createResourcesService>;
