import type { HeadersInput, WebhookObserver, WebhookOutcome } from '@armalo-webhooks/core';

/**
 * One exchange as the inspector is told about it: what arrived and how the receiver answered.
 * Plain JSON, so an app in another process can post it to `armalo-webhooks dev`.
 *
 * @example
 * ```ts
 * const seen: ObservedExchange = { type: 'exchange', receivedAt: new Date().toISOString(), method: 'POST',
 *   headers: { 'content-type': 'application/json' }, body: 'eyJldmVudCI6…', status: 200, outcome: 'handled', event: 'score.changed',
 *   duplicate: false, queued: false, latencyMs: 1.4 };
 * ```
 */
export interface ObservedExchange {
  type: 'exchange';
  receivedAt: string;
  method: string | undefined;
  headers: Record<string, string>;
  /** The exact bytes received, base64; absent when the body never arrived in full. */
  body?: string;
  status: number;
  /** What became of the delivery, as core decided it. */
  outcome: WebhookOutcome;
  code?: string;
  event?: string;
  duplicate: boolean;
  queued: boolean;
  secretIndex?: number;
  /** The inbox's delivery id, when the delivery was stored. */
  deliveryId?: string;
  /** What went wrong in a handler (or the receiver), for a 5xx. */
  error?: string;
  /** The answer's `details`, as sent to the client: for a 422, `issues` (which fields failed and why). */
  details?: Readonly<Record<string, unknown>>;
  latencyMs: number;
}

/**
 * An inbox attempt, as the worker starts and ends it.
 *
 * @example
 * ```ts
 * const attempt: ObservedAttempt = { type: 'attempt', deliveryId: 'k', event: 'eval.failed', attempt: 1,
 *   outcome: 'dead-lettered', error: { code: 'HANDLER_FAILED', message: 'db down' }, at: new Date().toISOString() };
 * ```
 */
export interface ObservedAttempt {
  type: 'attempt';
  deliveryId: string;
  event: string;
  attempt: number;
  /** Set when this attempt runs a replayed job. */
  replayOf?: string;
  outcome: 'running' | 'succeeded' | 'retrying' | 'dead-lettered' | 'stale';
  error?: { code: string; message: string };
  durationMs?: number;
  at: string;
}

/**
 * What an inspector observer reports.
 *
 * @example
 * ```ts
 * const report = (observed: Observed) => console.log(observed.type);
 * ```
 */
export type Observed = ObservedExchange | ObservedAttempt;

interface Pending {
  receivedAt: string;
  method: string | undefined;
  headers: Record<string, string>;
  body?: string;
  deliveryId?: string;
}

/**
 * A receiver observer that reports every exchange, with its headers and exact bytes, and every
 * inbox attempt to `sink`. The standalone inspector passes its own log; `inspect()` posts to a
 * running `armalo-webhooks dev`.
 *
 * @example
 * ```ts
 * const observer = observeInto((observed) => log.push(observed));
 * const webhooks = createWebhookReceiver({ secret, observers: [observer] });
 * ```
 */
export function observeInto(sink: (observed: Observed) => void): WebhookObserver {
  return {
    received: (start): Pending => ({
      receivedAt: new Date().toISOString(),
      method: start.method,
      headers: flattenHeaders(start.headers),
    }),
    read: (body, pending) => {
      (pending as Pending).body = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
    },
    storing: (delivery, pending) => {
      (pending as Pending).deliveryId = delivery.deliveryId;
    },
    answered: (answer, fromReceived) => {
      const pending = fromReceived as Pending;
      sink({
        type: 'exchange',
        ...pending,
        status: answer.status,
        outcome: answer.outcome,
        duplicate: answer.duplicate,
        queued: answer.queued,
        latencyMs: answer.durations.totalMs,
        ...(answer.code === undefined ? {} : { code: answer.code }),
        ...(answer.event === undefined ? {} : { event: answer.event }),
        ...(answer.secretIndex === undefined ? {} : { secretIndex: answer.secretIndex }),
        ...(answer.error === undefined ? {} : { error: describeFailure(answer.error) }),
        ...(answer.details === undefined ? {} : { details: answer.details }),
      });
    },
    attemptStarted: (attempt) => {
      sink({
        type: 'attempt',
        deliveryId: attempt.deliveryId,
        event: attempt.event,
        attempt: attempt.attempt,
        outcome: 'running',
        at: new Date().toISOString(),
        ...(attempt.replayOf === undefined ? {} : { replayOf: attempt.replayOf }),
      });
      return attempt.replayOf;
    },
    attemptFinished: (result, replayOf) => {
      sink({
        type: 'attempt',
        deliveryId: result.deliveryId,
        event: result.event,
        attempt: result.attempt,
        outcome: result.outcome,
        durationMs: result.durationMs,
        at: new Date().toISOString(),
        ...(typeof replayOf === 'string' ? { replayOf } : {}),
        ...(result.error === undefined ? {} : { error: result.error }),
      });
    },
  };
}

function flattenHeaders(headers: HeadersInput): Record<string, string> {
  const flat: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, name) => {
      flat[name.toLowerCase()] = value;
    });
    return flat;
  }
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number') flat[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) flat[name.toLowerCase()] = value.join(', ');
  }
  return flat;
}

// A handler's failure arrives as WebhookError('HANDLER_FAILED', { cause }): the cause is what the
// developer wrote, so it leads.
function describeFailure(error: unknown): string {
  const describe = (value: unknown): string =>
    value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? describe(error) : `${describe(cause)} (${describe(error)})`;
}
