import type {
  BillingProfile,
  billingProfileBody,
  createOrgBody,
  Member,
  Org,
  OrgRole,
  updateOrgBody,
} from "../contract/index.js";
import type { Http } from "../http.js";
import type { Input, Page, PageQuery } from "./types.js";

export function orgsApi(http: Http) {
  return {
    /**
     * Organizations the signed-in user belongs to.
     * @example
     * const { items } = await client.orgs.list();
     */
    list: (query: PageQuery = {}) => http.json<Page<Org>>("GET", "/orgs", { query: { ...query } }),

    /**
     * Creates an organization; the caller becomes its owner.
     * @example
     * const org = await client.orgs.create({ name: "Acme" });
     */
    create: (body: Input<typeof createOrgBody>) => http.json<Org>("POST", "/orgs", { body }),

    /**
     * One organization (guests see its name and their role only).
     * @example
     * const { role } = await client.orgs.get(orgId);
     */
    get: (orgId: string) => http.json<Org>("GET", `/orgs/${orgId}`),

    /**
     * Renames it or replaces settings objects (owners).
     * @example
     * await client.orgs.update(orgId, { settings: { preferences: { language: "fr" } } });
     */
    update: (orgId: string, body: Input<typeof updateOrgBody>) => http.json<Org>("PATCH", `/orgs/${orgId}`, { body }),

    /**
     * Deletes it (owners); every live subscription to it is revoked.
     * @example
     * await client.orgs.delete(orgId);
     */
    delete: (orgId: string) => http.json<void>("DELETE", `/orgs/${orgId}`),

    /**
     * The billing profile (owners).
     * @example
     * const billing = await client.orgs.billing(orgId);
     */
    billing: (orgId: string) => http.json<BillingProfile>("GET", `/orgs/${orgId}/billing`),

    /**
     * Replaces the billing profile (owners).
     * @example
     * await client.orgs.setBilling(orgId, { contactEmail: "billing@acme.io", company: "Acme SAS" });
     */
    setBilling: (orgId: string, body: Input<typeof billingProfileBody>) =>
      http.json<BillingProfile>("PUT", `/orgs/${orgId}/billing`, { body }),
  };
}

export function membersApi(http: Http) {
  return {
    /**
     * The member list (owners, editors, viewers).
     * @example
     * const { items } = await client.members.list(orgId);
     */
    list: (orgId: string, query: PageQuery = {}) =>
      http.json<Page<Member>>("GET", `/orgs/${orgId}/members`, { query: { ...query } }),

    /**
     * Changes a member's role (owners); 409 `last_owner` when it would leave no owner.
     * @example
     * await client.members.setRole(orgId, userId, "editor");
     */
    setRole: (orgId: string, userId: string, role: OrgRole) =>
      http.json<Member>("PATCH", `/orgs/${orgId}/members/${userId}`, { body: { role } }),

    /**
     * Removes a member (owners) or leaves (your own id); their access ends at once.
     * @example
     * await client.members.remove(orgId, userId);
     */
    remove: (orgId: string, userId: string) => http.json<void>("DELETE", `/orgs/${orgId}/members/${userId}`),
  };
}
