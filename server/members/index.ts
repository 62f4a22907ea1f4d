import type { TokenAuthenticator } from "../auth/authenticate.js";
import type { Db } from "../db/database.js";
import type { EventSink } from "../events/unit-of-work.js";
import { membersRoutes } from "./members.routes.js";
import { createMembersService, type MemberRemovalHook } from "./members.service.js";

export function membersModule(deps: {
  db: Db;
  sink: EventSink;
  authenticator: TokenAuthenticator;
  removalHooks?: MemberRemovalHook[];
}) {
  const service = createMembersService(deps);
  return { service, routes: membersRoutes(service, deps) };
}
