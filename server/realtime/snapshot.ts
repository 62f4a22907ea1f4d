import { headSeq } from "../events/event-log.repository.js";
import type { Actor } from "../auth/actor.js";
import type { Access } from "../auth/permissions.js";
import type { Db, Executor } from "../db/database.js";
import { loadAccess } from "../members/access.js";
import { findLiveOrg } from "../orgs/orgs.repository.js";

/** An actor's access and the org's head seq, read from one snapshot. */
export interface AccessSnapshot {
  head: number;
  /** Undefined when the credential is dead or the principal has no access (see `credentialLive`). */
  access: Access | undefined;
  /** False when the session or key was revoked or expired since the handshake. */
  credentialLive: boolean;
  /** False when the org was deleted (read only when there is no access, to name the reason). */
  orgLive: boolean;
  /** Projects the principal holds a project role on. */
  projectIds: string[];
}

export type ProjectIdsLoader = (db: Executor, orgId: string, userId: string) => Promise<string[]>;

/** Whether the session or API key behind an actor is still live, read in the caller's transaction. */
export type CredentialCheck = (db: Executor, actor: Actor) => Promise<boolean>;

/**
 * REPEATABLE READ makes the head, the credential and the membership one consistent picture: every
 * event at or below `head` is reflected in them, and every later one will reach the stream after
 * the attach. A key revoked (or a member removed) before the snapshot is seen as such here; one
 * revoked after it has its event above `head`, applied to the socket once it is in its rooms.
 */
export function createSnapshotReader(db: Db, loadProjectIds: ProjectIdsLoader, credentialLive: CredentialCheck) {
  return (actor: Actor, orgId: string): Promise<AccessSnapshot> =>
    db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const head = await headSeq(trx, orgId);
        const live = await credentialLive(trx, actor);
        const access = live ? await loadAccess(trx, actor, orgId) : undefined;
        const projectIds = access ? await loadProjectIds(trx, orgId, access.userId) : [];
        const orgLive = access !== undefined || (await findLiveOrg(trx, orgId)) !== undefined;
        return { head, access, credentialLive: live, orgLive, projectIds };
      });
}
