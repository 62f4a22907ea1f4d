import { z } from "zod";
import { email } from "./primitives.js";
import { projectGrant } from "./projects.js";
import { page } from "./responses.js";
import { orgRole } from "./roles.js";

/** Guests must name at least one project; anyone may be granted project roles. */
export const createInvitationBody = z
  .object({
    email,
    role: orgRole,
    projects: z.array(projectGrant).max(100).optional(),
  })
  .strict()
  .refine((b) => b.role !== "guest" || (b.projects?.length ?? 0) > 0, {
    message: "a guest invitation names at least one project",
    path: ["projects"],
  })
  .refine((b) => new Set(b.projects?.map((p) => p.projectId)).size === (b.projects?.length ?? 0), {
    message: "each project once",
    path: ["projects"],
  });
export type CreateInvitationBody = z.infer<typeof createInvitationBody>;

/** Tokens in links: base64url, at least 32 characters. */
export const invitationToken = z.string().regex(/^[A-Za-z0-9_-]{32,128}$/);

export const invitation = z.object({
  id: z.string(),
  email: z.string(),
  role: orgRole,
  projects: z.array(projectGrant),
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type Invitation = z.infer<typeof invitation>;
/** `GET /v1/orgs/:orgId/invitations`: the pending ones, oldest first. */
export const invitationList = page(invitation);
export type InvitationList = z.infer<typeof invitationList>;

/** What the holder of a link may read. */
export const invitationPreview = z.object({
  orgId: z.string(),
  orgName: z.string(),
  email: z.string(),
  role: orgRole,
  expiresAt: z.string(),
});
export type InvitationPreview = z.infer<typeof invitationPreview>;

export const acceptedInvitation = z.object({ orgId: z.string(), role: orgRole });
export type AcceptedInvitation = z.infer<typeof acceptedInvitation>;
