import type { ColumnType, Generated, Selectable } from "kysely";
import type { EventActor, EventContext, EventType } from "../../../client-sdk/src/contract/index.js";

export interface EventHeadsTable {
  org_id: string;
  seq: number;
  hash: string;
  /** The last entry removed by retention pruning (0 and "" when none): the chain's new start. */
  anchor_seq: Generated<number>;
  anchor_hash: Generated<string>;
  /** The seq of the last event that may have changed what the lock's statement reads with it. */
  access_seq: Generated<number>;
}

export interface EventsTable {
  id: string;
  org_id: string;
  seq: number;
  type: EventType;
  occurred_at: Date;
  actor_type: EventActor["type"];
  actor_id: string;
  actor_email: string | null;
  project_id: string | null;
  target_type: string;
  target_id: string;
  /** The user an event is about (target or data.userId): guests see events about themselves. */
  subject_user_id: string | null;
  /** Owner-only types (api_key.*, billing.*, invitations, audit.exported). */
  owner_only: boolean;
  data: ColumnType<Record<string, unknown>, string, string>;
  context: ColumnType<EventContext | null, string | null, string | null>;
  prev_hash: string;
  hash: string;
}

export type EventRow = Selectable<EventsTable>;
