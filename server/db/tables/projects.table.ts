import type { Generated, Selectable } from "kysely";
import type { ProjectRole } from "../../../client-sdk/src/contract/index.js";

export interface ProjectsTable {
  id: string;
  org_id: string;
  name: string;
  created_at: Generated<Date>;
}

export interface ProjectMembersTable {
  project_id: string;
  org_id: string;
  user_id: string;
  role: ProjectRole;
  added_at: Generated<Date>;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type ProjectMemberRow = Selectable<ProjectMembersTable>;
