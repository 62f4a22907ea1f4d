import { accessFor } from "../access/derive.js";
import type { Access } from "../access/permissions.js";
import type { Actor } from "../core/actor.js";
import { principalUserId } from "../core/actor.js";
import type { Db, Executor } from "../db/database.js";
import { headsAndLiveness } from "../events/heads.repository.js";
import { rolesOfPairs } from "../members/members.repository.js";

/** One attaching socket's standing, read in the batch's snapshot. */
export interface AttachStanding {
  /** Undefined when the credential is dead or the principal has no access; `mfaMissing` refuses it too. */
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
  /** The org's `settings.authentication.requireMfa` as of `head`. */
  orgRequiresMfa: boolean;
  /** One per actor asked about, in the same order. */
  each: AttachStanding[];
}

/** Project ids per (org, user) pair, keyed `${orgId} ${userId}`. */
export type ProjectIdsLoader = (
  db: Executor,
  pairs: { orgId: string; userId: string }[],
) => Promise<Map<string, string[]>>;

/** Which of the actors' sessions or API keys are still live, read in the caller's transaction. */
export type CredentialCheck = (db: Executor, actors: Actor[]) => Promise<boolean[]>;

/** One org's arriving sockets, by actor. */
export interface AttachRequest {
  orgId: string;
  actors: Actor[];
}

/**
 * REPEATABLE READ makes the heads, the credentials and the memberships one consistent picture:
 * every event at or below an org's `head` is reflected in them, and every later one will reach the
 * stream after the attach. A key revoked (or a member removed) before the snapshot is seen as such
 * here; one revoked after it has its event above `head`, applied to the socket once it is in its
 * rooms. Attaches that wait together, over any number of orgs, are read together: a reconnect
 * storm costs a handful of round trips per batch, not per socket or per org.
 */
export function createSnapshotReader(db: Db, loadProjectIds: ProjectIdsLoader, credentialsLive: CredentialCheck) {
  return (requests: AttachRequest[]): Promise<AttachSnapshot[]> =>
    db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const heads = await headsAndLiveness(trx, [...new Set(requests.map((r) => r.orgId))]);
        const live = await credentialsLive(
          trx,
          requests.flatMap((r) => r.actors),
        );
        // Per request, per actor: the pair to look up, when the credential lives and may see the org.
        let next = 0;
        const asked = requests.map(({ orgId, actors }) =>
          actors.map((actor) => {
            const credentialLive = live[next++] ?? false;
            const eligible = credentialLive && (actor.type === "user" || actor.orgId === orgId);
            return { actor, credentialLive, pair: eligible ? { orgId, userId: principalUserId(actor) } : undefined };
          }),
        );
        const pairs = asked.flat().flatMap((a) => (a.pair ? [a.pair] : []));
        // Each role comes with the org's MFA requirement and whether the principal has MFA on.
        const roles = await rolesOfPairs(trx, pairs);
        const withRole = pairs.filter((p) => roles.has(`${p.orgId} ${p.userId}`));
        const projects = await loadProjectIds(trx, withRole);
        return requests.map(({ orgId }, i): AttachSnapshot => {
          const head = heads.get(orgId);
          const each = (asked[i] ?? []).map(({ actor, credentialLive, pair }): AttachStanding => {
            const key = pair && `${pair.orgId} ${pair.userId}`;
            const standing = key ? roles.get(key) : undefined;
            const access = standing ? accessFor(actor, orgId, standing.role, standing) : undefined;
            return { access, credentialLive, projectIds: access && key ? (projects.get(key) ?? []) : [] };
          });
          return {
            head: head?.seq ?? 0,
            orgLive: head?.live ?? false,
            orgRequiresMfa: head?.requireMfa ?? false,
            each,
          };
        });
      });
}
