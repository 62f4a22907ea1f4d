import type { TokenAuthenticator } from "../auth/authenticate.js";
import { invitationsRoutes } from "./invitations.routes.js";
import { createInvitationsService, type InvitationsServiceDeps } from "./invitations.service.js";

export function invitationsModule(deps: InvitationsServiceDeps & { authenticator: TokenAuthenticator }) {
  const service = createInvitationsService(deps);
  return { service, routes: invitationsRoutes(service, deps) };
}
