import type {
  createProjectBody,
  createResourceBody,
  Project,
  ProjectMember,
  ProjectRole,
  Resource,
  updateProjectBody,
  updateResourceBody,
} from "../contract/index.js";
import type { Http } from "../http.js";
import type { Input, Page, PageQuery } from "./types.js";

export function projectsApi(http: Http) {
  const base = (orgId: string) => `/orgs/${orgId}/projects`;
  return {
    /**
     * Projects (guests: only theirs).
     * @example
     * const { items } = await client.projects.list(orgId);
     */
    list: (orgId: string, query: PageQuery = {}) =>
      http.json<Page<Project>>("GET", base(orgId), { query: { ...query } }),

    /**
     * Creates a project (owners, editors).
     * @example
     * const project = await client.projects.create(orgId, { name: "Production" });
     */
    create: (orgId: string, body: Input<typeof createProjectBody>) => http.json<Project>("POST", base(orgId), { body }),

    /**
     * One project.
     * @example
     * const project = await client.projects.get(orgId, projectId);
     */
    get: (orgId: string, projectId: string) => http.json<Project>("GET", `${base(orgId)}/${projectId}`),

    /**
     * Renames a project (owners, editors).
     * @example
     * await client.projects.rename(orgId, projectId, { name: "Prod" });
     */
    rename: (orgId: string, projectId: string, body: Input<typeof updateProjectBody>) =>
      http.json<Project>("PATCH", `${base(orgId)}/${projectId}`, { body }),

    /**
     * Deletes a project and its resources (owners, editors).
     * @example
     * await client.projects.delete(orgId, projectId);
     */
    delete: (orgId: string, projectId: string) => http.json<void>("DELETE", `${base(orgId)}/${projectId}`),

    /**
     * Who holds a role on the project.
     * @example
     * const { items } = await client.projects.members(orgId, projectId);
     */
    members: (orgId: string, projectId: string) =>
      http.json<Page<ProjectMember>>("GET", `${base(orgId)}/${projectId}/members`),

    /**
     * Gives an org member a project role (owners).
     * @example
     * await client.projects.setMember(orgId, projectId, userId, "editor");
     */
    setMember: (orgId: string, projectId: string, userId: string, role: ProjectRole) =>
      http.json<ProjectMember>("PUT", `${base(orgId)}/${projectId}/members/${userId}`, { body: { role } }),

    /**
     * Takes a project role away (owners); a guest loses the project's events at once.
     * @example
     * await client.projects.removeMember(orgId, projectId, userId);
     */
    removeMember: (orgId: string, projectId: string, userId: string) =>
      http.json<void>("DELETE", `${base(orgId)}/${projectId}/members/${userId}`),
  };
}

export function resourcesApi(http: Http) {
  const base = (orgId: string, projectId: string) => `/orgs/${orgId}/projects/${projectId}/resources`;
  return {
    /**
     * A project's resources.
     * @example
     * const { items } = await client.resources.list(orgId, projectId);
     */
    list: (orgId: string, projectId: string, query: PageQuery = {}) =>
      http.json<Page<Resource>>("GET", base(orgId, projectId), { query: { ...query } }),

    /**
     * Creates a resource (owners, editors, project editors).
     * @example
     * await client.resources.create(orgId, projectId, { type: "vps", name: "web-1", config: { region: "eu-west" } });
     */
    create: (orgId: string, projectId: string, body: Input<typeof createResourceBody>) =>
      http.json<Resource>("POST", base(orgId, projectId), { body }),

    /**
     * One resource.
     * @example
     * const vps = await client.resources.get(orgId, projectId, resourceId);
     */
    get: (orgId: string, projectId: string, resourceId: string) =>
      http.json<Resource>("GET", `${base(orgId, projectId)}/${resourceId}`),

    /**
     * Renames it or changes config fields (merged, then validated).
     * @example
     * await client.resources.update(orgId, projectId, resourceId, { config: { plan: "m1" } });
     */
    update: (orgId: string, projectId: string, resourceId: string, body: Input<typeof updateResourceBody>) =>
      http.json<Resource>("PATCH", `${base(orgId, projectId)}/${resourceId}`, { body }),

    /**
     * Deletes it.
     * @example
     * await client.resources.delete(orgId, projectId, resourceId);
     */
    delete: (orgId: string, projectId: string, resourceId: string) =>
      http.json<void>("DELETE", `${base(orgId, projectId)}/${resourceId}`),
  };
}
