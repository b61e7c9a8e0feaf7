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
  outcome: Exclude<InboxOutcome, { status: 'completed' }>,
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
  outcome: Exclude<InboxOutcome, { status: 'completed' }>,
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
