import type { WebhookError } from '../errors.js';
import { log } from '../observe/logger.js';
import { report } from '../observe/report.js';
import type { ReceiverConfig } from '../receiver/config.js';
import type { ErrorInfo } from '../receiver/options.js';
import type { RetryConfig } from './backoff.js';
import type { InboxOutcome } from './types.js';

/**
 * The worker's one line about a failed try: what happens next and why, with the delivery id that
 * `inbox show` takes. For example
 * `score.changed 3f1c…:9b2e…: attempt 2 of 5 failed, retrying in 4.1 s (E_DB: connection refused)`.
 */
export function attemptLine(
  info: { event: string; deliveryId: string; attempt: number },
  attempts: number,
  outcome: Extract<InboxOutcome, { status: 'retry' | 'dead' }>,
): string {
  const what = `${info.event} ${info.deliveryId}`;
  const why = `(${outcome.error.code}: ${outcome.error.message})`;
  if (outcome.status === 'retry') {
    return `${what}: attempt ${info.attempt} of ${attempts} failed, retrying in ${(outcome.delayMs / 1000).toFixed(1)} s ${why}`;
  }
  const tries = `${info.attempt} attempt${info.attempt === 1 ? '' : 's'}`;
  const when = info.attempt < attempts ? `at once, after ${tries} (not retried)` : `after ${tries}`;
  return `${what}: dead-lettered ${when} ${why}; see armalo-webhooks inbox show ${info.deliveryId}`;
}

/**
 * Tells about a failed try: `onError` gets the error as it always has; without it the logger gets
 * one line ({@link attemptLine}), a warning while retries remain and an error once dead-lettered.
 */
export async function reportAttempt(
  config: ReceiverConfig,
  error: WebhookError | undefined,
  info: ErrorInfo & { event: string; idempotencyKey: string; attempt: number },
  retry: RetryConfig,
  outcome: Extract<InboxOutcome, { status: 'retry' | 'dead' }>,
): Promise<void> {
  if (config.onError) {
    if (error !== undefined) await report(config, error, info);
    return;
  }
  const line = attemptLine(
    { event: info.event, deliveryId: info.idempotencyKey, attempt: info.attempt },
    retry.attempts,
    outcome,
  );
  log(config.logger, outcome.status === 'dead' ? 'error' : 'warn', line);
}

/**
 * The worker's line about a stale delivery: no handler ran, and the job is settled for good. For
 * example `score.changed 3f1c…:9b2e…: stale, no handler ran (sent 2026-03-01T10:05:00.000Z, older
 * than its freshness key's newest handled delivery, 2026-03-01T10:06:00.000Z)`. The key itself is
 * not printed: it is made from the payload.
 */
export function staleLine(info: {
  event: string;
  deliveryId: string;
  timestampMs: number;
  watermarkMs: number;
}): string {
  const sent = new Date(info.timestampMs).toISOString();
  const newest = new Date(info.watermarkMs).toISOString();
  return `${info.event} ${info.deliveryId}: stale, no handler ran (sent ${sent}, older than its freshness key's newest handled delivery, ${newest})`;
}

/**
 * Tells about a stale delivery: one {@link staleLine} at the logger's `info` level, if it has one
 * (`console`, pino and winston do). A stale delivery is the guard working, not a failure: it never
 * reaches `onError` or the warning level.
 */
export function reportStale(
  config: ReceiverConfig,
  info: { event: string; idempotencyKey: string; timestampMs: number; watermarkMs: number },
): void {
  const write = (config.logger as { info?: unknown }).info;
  if (typeof write !== 'function') return;
  const line = `armalo-webhooks: ${staleLine({ ...info, deliveryId: info.idempotencyKey })}`;
  try {
    if (typeof (config.logger as { levelVal?: unknown }).levelVal === 'number') write.call(config.logger, {}, line);
    else write.call(config.logger, line);
  } catch {
    // Best effort, as every log line.
  }
}
