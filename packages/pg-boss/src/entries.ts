import type { InboxEntry, InboxFailure, InboxState, StoredDelivery } from '@armalo-webhooks/core';
import type { JobWithMetadata } from 'pg-boss';

/**
 * A job's data: the stored delivery, and after an ordered redrive (see ordering.ts) the tries the
 * job had made before it, which do not count against the fresh budget.
 */
export type DeliveryJobData = StoredDelivery & { attemptsBefore?: number };

export type DeliveryJob = JobWithMetadata<DeliveryJobData>;

/** What a completed job's output says when an operator skipped it (`inbox.skip`). */
export interface SkippedOutput {
  skipped: true;
  lastError?: InboxFailure;
}

/** The try a fetched job is on, counted from its last redrive. */
export function tryOf(job: DeliveryJob): number {
  return job.retryCount + 1 - (job.data.attemptsBefore ?? 0);
}

/** The stored delivery, without what only the engine reads. */
export function deliveryOf(job: DeliveryJob): StoredDelivery {
  const { attemptsBefore: _before, ...delivery } = job.data;
  return delivery;
}

/** Set in a failure's output when core dead-lettered a job that pg-boss would still retry (see consume.ts). */
export const DEAD_NOW = 'deadLetterNow';

/** Where a stale job's completion output says so (a job is `stale` when it completed with it). */
export const STALE = 'armaloStale';

/** The output a stale job completes with: the watermark that made it stale. */
export function staleOutput(watermarkMs: number): Record<string, unknown> {
  return { [STALE]: true, watermark: new Date(watermarkMs).toISOString() };
}

/** A job as the inbox shows it. `dead` says it is a copy in the dead-letter queue. */
export function toEntry(job: DeliveryJob, dead: boolean): InboxEntry {
  const skipped = !dead && isSkipped(job.output);
  const lastError = toFailure(dead ? job.sourceOutput : skipped ? (job.output as SkippedOutput).lastError : job.output);
  const entry: InboxEntry = {
    id: job.id,
    deliveryId: job.data.deliveryId,
    event: job.data.event,
    state: dead ? 'dead' : skipped ? 'skipped' : stateOf(job),
    attempts: dead ? (lastError?.attempt ?? (job.sourceRetryCount ?? 0) + 1) : tries(job),
    enqueuedAt: new Date(dead ? (job.sourceCreatedOn ?? job.createdOn) : job.createdOn),
    delivery: deliveryOf(job),
  };
  const finishedAt = dead ? job.createdOn : job.completedOn;
  if (finishedAt) entry.finishedAt = new Date(finishedAt);
  if (lastError !== undefined) entry.lastError = lastError;
  return entry;
}

function stateOf(job: DeliveryJob): InboxState {
  switch (job.state) {
    case 'created':
    case 'retry':
      return new Date(job.startAfter).getTime() > Date.now() ? 'delayed' : 'waiting';
    case 'completed':
      return isStale(job.output) ? 'stale' : 'completed';
    case 'active':
      return job.state;
    default:
      // `failed` (its copy is in the dead-letter queue) or `cancelled` by hand.
      return 'dead';
  }
}

function isStale(output: unknown): boolean {
  return output !== null && typeof output === 'object' && (output as Record<string, unknown>)[STALE] === true;
}

/** Tries made: `retryCount` counts claims after the first; a job never started has made none. */
function tries(job: DeliveryJob): number {
  return job.startedOn ? Math.max(0, tryOf(job)) : 0;
}

function isSkipped(output: unknown): boolean {
  return output !== null && typeof output === 'object' && (output as Record<string, unknown>).skipped === true;
}

/** Our own failures are stored as they are; pg-boss writes `{ value: { message } }` for an expiry. */
export function toFailure(output: unknown): InboxFailure | undefined {
  if (output === null || typeof output !== 'object') return undefined;
  const record = output as Record<string, unknown>;
  if (typeof record.code === 'string' && typeof record.message === 'string') {
    const { [DEAD_NOW]: _mark, ...failure } = record;
    return failure as unknown as InboxFailure;
  }
  const value = record.value as { message?: unknown } | undefined;
  if (typeof value?.message === 'string') return { code: 'EXPIRED', message: value.message };
  return undefined;
}
