import { headSeq } from "../audit/event-log.repository.js";
import type { Actor } from "../auth/actor.js";
import type { Access } from "../auth/permissions.js";
import type { Db } from "../db/database.js";
import { loadAccess } from "../members/access.js";

/** An actor's access and the org's head seq, read from one snapshot. */
export interface AccessSnapshot {
  head: number;
  access: Access | undefined;
  /** Projects the principal holds a project role on. */
  projectIds: string[];
}

export type ProjectIdsLoader = (
  db: Db | import("../db/database.js").Trx,
  orgId: string,
  userId: string,
) => Promise<string[]>;

/**
 * REPEATABLE READ makes the head and the membership one consistent picture: every event at or
 * below `head` is reflected in `access`, and every later one will reach the stream after it.
 */
export function createSnapshotReader(db: Db, loadProjectIds: ProjectIdsLoader) {
  return (actor: Actor, orgId: string): Promise<AccessSnapshot> =>
    db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const head = await headSeq(trx, orgId);
        const access = await loadAccess(trx, actor, orgId);
        const projectIds = access ? await loadProjectIds(trx, orgId, access.userId) : [];
        return { head, access, projectIds };
      });
}
