import type { ColumnType, Generated, Selectable } from "kysely";

/** The lease and retry columns every outbound cursor row has (server/outbound/leases.repository.ts). */
export interface LeasedCursorColumns {
  delivered_seq: number;
  /** Failed tries of the event after `delivered_seq`. */
  attempts: Generated<number>;
  failing_since: ColumnType<Date | null, Date | null | undefined, Date | null>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface WebhooksTable extends LeasedCursorColumns {
  id: string;
  org_id: string;
  url: string;
  /** The event filters (`*`, `member.*`, `resource.created`). */
  events: ColumnType<string[], string, string>;
  description: string | null;
  /** The signing secret, AES-256-GCM encrypted with the webhook id as additional data. */
  secret: string;
  enabled: Generated<boolean>;
  disabled_reason: "owner" | "failing" | null;
  created_by: string;
  created_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  seq: number;
  event_id: string;
  event_type: string;
  attempt: number;
  status: "succeeded" | "failed";
  duration_ms: number;
  response_code: number | null;
  error: string | null;
  next_retry_at: Date | null;
  attempted_at: Generated<Date>;
}

export interface NotificationCursorsTable extends LeasedCursorColumns {
  org_id: string;
  digest_due_at: Date;
}

export interface NotificationMailsTable {
  org_id: string;
  mail_key: string;
  user_id: string;
  sent_at: Generated<Date>;
}

export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NotificationCursorRow = Selectable<NotificationCursorsTable>;
