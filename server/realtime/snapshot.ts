import { accessFor } from "../access/derive.js";
import type { Access } from "../access/permissions.js";
import type { Actor } from "../core/actor.js";
import { principalUserId } from "../core/actor.js";
import type { Db, Executor } from "../db/database.js";
import { headSeq } from "../events/event-log.repository.js";
import { rolesIn } from "../members/members.repository.js";
import { findLiveOrg } from "../orgs/orgs.repository.js";

/** One attaching socket's standing, read in the batch's snapshot. */
export interface AttachStanding {
  /** Undefined when the credential is dead or the principal has no access. */
  access: Access | undefined;
  /** False when the session or key was revoked or expired since the handshake. */
  credentialLive: boolean;
  /** Projects the principal holds a project role on. */
  projectIds: string[];
}

/** The org's head and the standing of every socket of a batch of attaches, from one snapshot. */
export interface AttachSnapshot {
  head: number;
  /** False when the org was deleted. */
  orgLive: boolean;
  /** One per actor asked about, in the same order. */
  each: AttachStanding[];
}

export type ProjectIdsLoader = (db: Executor, orgId: string, userIds: string[]) => Promise<Map<string, string[]>>;

/** Which of the actors' sessions or API keys are still live, read in the caller's transaction. */
export type CredentialCheck = (db: Executor, actors: Actor[]) => Promise<boolean[]>;

/**
 * REPEATABLE READ makes the head, the credentials and the memberships one consistent picture:
 * every event at or below `head` is reflected in them, and every later one will reach the stream
 * after the attach. A key revoked (or a member removed) before the snapshot is seen as such here;
 * one revoked after it has its event above `head`, applied to the socket once it is in its rooms.
 * Sockets that arrive together are read together: a reconnect storm costs a handful of round trips
 * per batch, not per socket.
 */
export function createSnapshotReader(db: Db, loadProjectIds: ProjectIdsLoader, credentialsLive: CredentialCheck) {
  return (actors: Actor[], orgId: string): Promise<AttachSnapshot> =>
    db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const head = await headSeq(trx, orgId);
        const live = await credentialsLive(trx, actors);
        const inOrg = (actor: Actor, i: number) => live[i] && (actor.type === "user" || actor.orgId === orgId);
        const principals = [...new Set(actors.filter(inOrg).map(principalUserId))];
        const roles = await rolesIn(trx, orgId, principals);
        const projects = await loadProjectIds(trx, orgId, [...roles.keys()]);
        const orgLive = roles.size > 0 || (await findLiveOrg(trx, orgId)) !== undefined;
        const each = actors.map((actor, i): AttachStanding => {
          const role = inOrg(actor, i) ? roles.get(principalUserId(actor)) : undefined;
          const access = role ? accessFor(actor, orgId, role) : undefined;
          return {
            access,
            credentialLive: live[i] ?? false,
            projectIds: access ? (projects.get(access.userId) ?? []) : [],
          };
        });
        return { head, orgLive, each };
      });
}
