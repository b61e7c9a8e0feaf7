import type { InboxEntry, InboxFailure, InboxState, StoredDelivery } from '@armalo-webhooks/core';

/** A row of the `list` and `get` statements. */
export interface JobRow {
  id: string;
  data: StoredDelivery;
  inbox_state: string;
  attempts: number;
  created_on: Date;
  completed_on: Date | null;
  output: unknown;
}

/** A job as the inbox shows it. */
export function toEntry(row: JobRow): InboxEntry {
  const entry: InboxEntry = {
    id: row.id,
    deliveryId: row.data.deliveryId,
    event: row.data.event,
    state: (row.inbox_state === 'cancelled' ? 'dead' : row.inbox_state) as InboxState,
    attempts: row.attempts,
    enqueuedAt: row.created_on,
    delivery: row.data,
  };
  if (row.completed_on !== null) entry.finishedAt = row.completed_on;
  const lastError = toFailure(row.output);
  if (lastError !== undefined) entry.lastError = lastError;
  return entry;
}

/** Our own failures are stored as they are; pg-boss writes `{ value: { message } }` for an expiry. */
function toFailure(output: unknown): InboxFailure | undefined {
  if (output === null || typeof output !== 'object') return undefined;
  const record = output as Record<string, unknown>;
  if (typeof record.code === 'string' && typeof record.message === 'string') return record as unknown as InboxFailure;
  const value = record.value as { message?: unknown } | undefined;
  if (typeof value?.message === 'string') return { code: 'EXPIRED', message: value.message };
  return undefined;
}
