import { z } from "zod";
import { name, uuid } from "./primitives.js";
import { projectRole } from "./roles.js";

export const createProjectBody = z.object({ name }).strict();
export type CreateProjectBody = z.infer<typeof createProjectBody>;
export const updateProjectBody = z.object({ name }).strict();
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;
export const putProjectMemberBody = z.object({ role: projectRole }).strict();
export type PutProjectMemberBody = z.infer<typeof putProjectMemberBody>;

/** A project role granted by an invitation, applied when it is accepted. */
export const projectGrant = z.object({ projectId: uuid, role: projectRole }).strict();
export type ProjectGrant = z.infer<typeof projectGrant>;

export const project = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export type Project = z.infer<typeof project>;
export const projectMember = z.object({
  projectId: z.string(),
  userId: z.string(),
  role: projectRole,
  addedAt: z.string(),
});
export type ProjectMember = z.infer<typeof projectMember>;
