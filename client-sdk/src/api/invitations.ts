import type { AcceptedInvitation, createInvitationBody, Invitation, InvitationPreview } from "../contract/index.js";
import type { Http } from "../http.js";
import type { Input, Page, PageQuery } from "./types.js";

export function invitationsApi(http: Http) {
  return {
    /**
     * Pending invitations (owners).
     * @example
     * const { items } = await client.invitations.list(orgId);
     */
    list: (orgId: string, query: PageQuery = {}) =>
      http.json<Page<Invitation>>("GET", `/orgs/${orgId}/invitations`, { query: { ...query } }),

    /**
     * Invites an email with a role; guests name their projects. The link is mailed.
     * @example
     * await client.invitations.create(orgId, { email: "bob@acme.io", role: "guest", projects: [{ projectId, role: "viewer" }] });
     */
    create: (orgId: string, body: Input<typeof createInvitationBody>) =>
      http.json<Invitation>("POST", `/orgs/${orgId}/invitations`, { body }),

    /**
     * Revokes a pending invitation; its link stops working.
     * @example
     * await client.invitations.revoke(orgId, invitationId);
     */
    revoke: (orgId: string, invitationId: string) =>
      http.json<void>("DELETE", `/orgs/${orgId}/invitations/${invitationId}`),

    /**
     * Mails a new link (the old one dies) valid 7 more days.
     * @example
     * await client.invitations.resend(orgId, invitationId);
     */
    resend: (orgId: string, invitationId: string) =>
      http.json<Invitation>("POST", `/orgs/${orgId}/invitations/${invitationId}/resend`),

    /**
     * What a link invites to (no sign-in needed).
     * @example
     * const { orgName, role } = await client.invitations.preview(token);
     */
    preview: (token: string) => http.json<InvitationPreview>("GET", `/invitations/${encodeURIComponent(token)}`),

    /**
     * Accepts it, signed in with the invited email.
     * @example
     * const { orgId, role } = await client.invitations.accept(token);
     */
    accept: (token: string) =>
      http.json<AcceptedInvitation>("POST", `/invitations/${encodeURIComponent(token)}/accept`),
  };
}
