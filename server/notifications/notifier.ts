import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { OrgEvent, OrgSettings } from "../../client-sdk/src/contract/index.js";
import type { Db } from "../db/database.js";
import { logRowsFrom, projectEvent, rowToEvent } from "../events/event-log.repository.js";
import type { Mailer } from "../mail/index.js";
import { notificationCategoryOf, renderDigestMail, renderNotificationMail } from "../mail/notification-mail.js";
import { createLeaseKeeper } from "../outbound/lease-keeper.js";
import { type RetryPolicy, retriesExhausted, retryDelayMs } from "../outbound/retry.js";
import * as repo from "./notifications.repository.js";
import { consolePathOf, nextWeekStart, WEEK_MS } from "./schedule.js";

export interface NotifierDeps {
  db: Db;
  log: Logger;
  mailer: Mailer;
  nodeId: string;
  publicUrl: string;
  leaseMs: number;
  pollMs: number;
  /** The digest's clock (tests move it); leases and retries use Postgres's. */
  clock?: () => Date;
}

/** Mail is retried for a day like webhooks, from 30 s up to 30 min apart; then that mail is dropped. */
const MAIL_RETRY: RetryPolicy = { baseMs: 30_000, maxMs: 1_800_000, giveUpAfterMs: 86_400_000 };
const BATCH = 100;

/**
 * Owners' mail notifications (`settings.notifications`): each org whose owners want some mail has
 * a cursor through its log, leased like a webhook endpoint's (../outbound/), so one node at a time
 * mails for an org, in seq order. Each (event, owner) mail is recorded once sent, so a node that
 * takes over sends only what is missing. The weekly digest is due each Monday 00:00 UTC.
 */
export function createNotifier(deps: NotifierDeps) {
  const { db, log, mailer } = deps;
  const clock = deps.clock ?? (() => new Date());
  const owner = `${deps.nodeId}/${randomUUID()}`;
  const keeper = createLeaseKeeper({
    db,
    log,
    table: "notification_cursors",
    owner,
    leaseMs: deps.leaseMs,
    pollMs: deps.pollMs,
    concurrency: 8,
    work: () => repo.cursorHasWork(clock()),
    anyWork: () => repo.anyCursor(db),
    drive,
  });
  const link = (path: string) => `${deps.publicUrl}${path}`;

  async function drive(orgId: string): Promise<void> {
    for (;;) {
      const cursor = await repo.loadCursor(db, orgId);
      if (!cursor || cursor.lease_owner !== owner) return;
      const wanted: NonNullable<OrgSettings["notifications"]> = cursor.deleted_at
        ? {}
        : (cursor.settings.notifications ?? {});
      const now = clock();
      if (cursor.digest_due_at <= now) {
        if (wanted.weeklyDigest) await sendDigest(orgId, cursor.org_name, cursor.digest_due_at);
        await repo.rollDigest(db, orgId, owner, cursor.digest_due_at, nextWeekStart(now));
      }
      const from = Number(cursor.delivered_seq);
      if (from >= Number(cursor.head_seq)) return;
      const events = (await logRowsFrom(db, orgId, from + 1, BATCH)).map(rowToEvent);
      if (events.length === 0) return;
      const owners = await repo.ownersOf(db, orgId);
      const names = await namesFor(events.map((e) => projectEvent(e, false)));
      // The cursor moves once per batch (and before a wait): mails sent are recorded one by one.
      let position = from;
      for (const full of events) {
        const event = projectEvent(full, false);
        const category = notificationCategoryOf(event);
        if (!category || wanted[category] !== true) continue;
        if (await mailEvent(orgId, cursor.org_name, event, owners, names)) continue;
        const before = event.seq - 1;
        if (before > position) {
          if (!(await repo.advance(db, orgId, owner, position, before))) return;
          position = before;
        }
        const first = before === from;
        const failingSince = first && cursor.failing_since ? cursor.failing_since : new Date();
        const attempts = (first ? cursor.attempts : 0) + 1;
        if (!retriesExhausted(failingSince, new Date(), MAIL_RETRY)) {
          await repo.recordFailure(db, orgId, owner, position, attempts, retryDelayMs(attempts, MAIL_RETRY));
          return;
        }
        log.error({ orgId, seq: event.seq }, "notification mail dropped after a day of failures");
      }
      const last = events.at(-1)?.seq ?? position;
      if (last > position && !(await repo.advance(db, orgId, owner, position, last))) return;
    }
  }

  /** Sends the event's mail to each owner who has not had it; answers false if one failed. */
  async function mailEvent(
    orgId: string,
    orgName: string,
    event: OrgEvent,
    owners: { id: string; email: string }[],
    names: Record<string, string>,
  ): Promise<boolean> {
    const done = await repo.sentTo(db, orgId, event.id);
    for (const recipient of owners) {
      if (done.has(recipient.id)) continue;
      const mail = renderNotificationMail({
        to: recipient.email,
        orgName,
        event,
        names,
        link: link(consolePathOf(event)),
      });
      try {
        await mailer.send(mail);
      } catch (err) {
        log.warn({ err, orgId, seq: event.seq }, "notification mail not sent; will retry");
        return false;
      }
      await repo.markSent(db, orgId, event.id, recipient.id);
    }
    return true;
  }

  async function sendDigest(orgId: string, orgName: string, due: Date) {
    const from = new Date(due.getTime() - WEEK_MS);
    const key = `digest:${from.toISOString()}`;
    const figures = await repo.digestFigures(db, orgId, from, due);
    const done = await repo.sentTo(db, orgId, key);
    for (const recipient of await repo.ownersOf(db, orgId)) {
      if (done.has(recipient.id)) continue;
      await mailer.send(
        renderDigestMail({
          to: recipient.email,
          orgName,
          from,
          to_: due,
          counts: figures.counts,
          topActors: figures.actors.map((a) => ({
            label: a.type === "user" ? (a.email ?? a.id) : a.type === "api_key" ? `API key ${a.id}` : "Orgwire",
            count: a.count,
          })),
          link: link(`/orgs/${orgId}/audit`),
        }),
      );
      await repo.markSent(db, orgId, key, recipient.id);
    }
  }

  async function namesFor(events: OrgEvent[]): Promise<Record<string, string>> {
    const ids = new Set<string>();
    for (const e of events) {
      const data = e.data as { userId?: unknown };
      if (typeof data.userId === "string") ids.add(data.userId);
    }
    const users = await repo.usersByIds(db, [...ids]);
    return Object.fromEntries(users.map((u) => [u.id, `${u.name} <${u.email}>`]));
  }

  return { nudge: keeper.nudge, wake: keeper.wake, stop: keeper.stop, owner, drive };
}

export type Notifier = ReturnType<typeof createNotifier>;
