import type { WebhookErrorCode } from '../errors.js';
import type { WebhookOutcome } from '../exchange/outcome.js';
import type { WebhookResult } from '../exchange/result.js';
import type { HeadersInput } from '../headers.js';
import { isThenable } from '../maybe-promise.js';
import { describeError, log, type WebhookLogger } from './logger.js';

/**
 * What an observer is told when an exchange starts, before its body is read.
 *
 * @example
 * ```ts
 * const start: ReceivedObservation = { method: 'POST', headers: req.headers };
 * ```
 */
export interface ReceivedObservation {
  method: string | undefined;
  headers: HeadersInput;
}

/**
 * What an observer is told when an exchange has its answer: never the secret, the signature or
 * the body (an observer that needs the body defines `read`).
 *
 * @example
 * ```ts
 * const seen: AnsweredObservation = { status: 401, outcome: 'refused', code: 'INVALID_SIGNATURE', event: undefined,
 *   unknownEvent: false, duplicate: false, queued: false, aborted: false, secretIndex: undefined, error: undefined, details: undefined,
 *   durations: { readMs: 0.1, verifyMs: 0.02, handlersMs: 0, totalMs: 0.13 } };
 * ```
 */
export interface AnsweredObservation {
  status: number;
  /** What became of the delivery (see {@link WebhookOutcome}); read it rather than the status. */
  outcome: WebhookOutcome;
  /** The error code, or `undefined` for a 200. */
  code: WebhookErrorCode | undefined;
  /** The event name, once the envelope was valid. */
  event: string | undefined;
  /**
   * Neither the catalog nor the receiver's `schemas` knows `event`: a name anyone holding the secret
   * can make up, so metrics should not use it as a label as it is.
   */
  unknownEvent: boolean;
  duplicate: boolean;
  /** Stored in an inbox rather than handled inline. */
  queued: boolean;
  /** The client went away before its body arrived; nobody reads the answer. */
  aborted: boolean;
  /** Which configured secret verified the signature (0 = the first), once verified. */
  secretIndex: number | undefined;
  /** The cause of a 5xx, for error reporting. */
  error: unknown;
  /**
   * The answer's `details`, as sent to the client, when it has some: for a 422, `issues` (which
   * fields failed and why: clipped paths and messages, no values); `limit` for a 413.
   */
  details: Readonly<Record<string, unknown>> | undefined;
  /**
   * Milliseconds spent reading the body, verifying it (signature, envelope, replay window, event
   * schema), and delivering it (idempotency and handlers, or storing it in an inbox), and in all.
   */
  durations: { readMs: number; verifyMs: number; handlersMs: number; totalMs: number };
}

/**
 * Watches a receiver's exchanges, for metrics, traces and logs. `received` runs synchronously when
 * an exchange starts, in the host's async context (an active HTTP span is current there); what it
 * returns is handed back to `answered` for the same exchange. Observers never change an answer: a
 * throwing observer (or an async hook that rejects) is logged once and otherwise ignored. Adapters emit nothing themselves: every
 * host reports through this hook.
 *
 * @example
 * ```ts
 * import { observe } from '@armalo-webhooks/core';
 * observe(webhooks, {
 *   received: () => performance.now(),
 *   answered: (answer, startedAt) => metrics.histogram('webhook_ms', performance.now() - (startedAt as number), { code: answer.code ?? 'OK' }),
 * });
 * ```
 */
export interface WebhookObserver {
  received?(start: ReceivedObservation): unknown;
  /**
   * Opt-in: the exact bytes received, once read in full and before they are verified, so a
   * development tool can show a delivery and send it again. Only observers that define this hook
   * are handed the body; metrics and tracing observers should not, since a body is attacker-controlled
   * and may hold personal data. Not called when the body never arrived (too large, too slow, aborted).
   */
  read?(body: Uint8Array, fromReceived: unknown): void;
  answered?(answer: AnsweredObservation, fromReceived: unknown): void;
  /**
   * With an inbox: a verified delivery is about to be stored. `trace` is stored with it and handed
   * to the worker's `attemptStarted`: write a trace context into it (the receiving span's) to make
   * one trace of a delivery from HTTP to its last attempt.
   */
  storing?(delivery: StoringObservation, fromReceived: unknown): void;
  /** With an inbox: a worker starts an attempt. What it returns comes back in `attemptFinished`. */
  attemptStarted?(attempt: AttemptObservation): unknown;
  /** With an inbox: how an attempt ended: succeeded, failed and retrying at a time, dead-lettered, or stale. */
  attemptFinished?(result: AttemptResultObservation, fromStarted: unknown): void;
}

/**
 * A delivery about to be stored in an inbox.
 *
 * @example
 * ```ts
 * const storing: StoringObservation = { deliveryId: 'a1b2…:3f9a…', event: 'score.changed', engine: 'pg-boss', trace: {} };
 * ```
 */
export interface StoringObservation {
  deliveryId: string;
  event: string;
  /** The inbox engine's name (`memory`, `pg-boss`, `bullmq`). */
  engine: string;
  /** Stored with the delivery: observers may add trace-context fields (`traceparent`, `tracestate`). */
  trace: Record<string, string>;
}

/**
 * An attempt a worker starts.
 *
 * @example
 * ```ts
 * const attempt: AttemptObservation = { deliveryId: 'a1b2…:3f9a…', event: 'score.changed', unknownEvent: false,
 *   engine: 'bullmq', attempt: 2, enqueuedAt: new Date(), trace: { traceparent: '00-…-01' } };
 * ```
 */
export interface AttemptObservation {
  deliveryId: string;
  event: string;
  /** Neither the catalog nor the worker's receiver `schemas` knows `event` (see `AnsweredObservation`). */
  unknownEvent: boolean;
  engine: string;
  /** 1 on the first try. */
  attempt: number;
  enqueuedAt: Date;
  /** What was stored with the delivery (see `storing`). */
  trace: Readonly<Record<string, string>>;
  /** Set when this job replays an earlier one (`inbox.replay(id)`): that job's id. */
  replayOf?: string;
}

/**
 * How an attempt ended.
 *
 * @example
 * ```ts
 * const ended: AttemptResultObservation = { deliveryId: 'k', event: 'eval.failed', unknownEvent: false, engine: 'memory', attempt: 1,
 *   outcome: 'retrying', retryAt: new Date(Date.now() + 1000), error: { code: 'HANDLER_FAILED', message: 'db down' }, durationMs: 3.2 };
 * ```
 */
export interface AttemptResultObservation {
  deliveryId: string;
  event: string;
  /** Neither the catalog nor the worker's receiver `schemas` knows `event`. */
  unknownEvent: boolean;
  engine: string;
  attempt: number;
  /**
   * `stale`: settled for good without running a handler, because a newer delivery of its freshness
   * key (receiver option `freshness`) was handled first.
   */
  outcome: 'succeeded' | 'retrying' | 'dead-lettered' | 'stale';
  /** When the engine will try again, for `retrying`. */
  retryAt?: Date;
  /** The failure's code and message (never a body), for `retrying` and `dead-lettered`. */
  error?: { code: string; message: string };
  durationMs: number;
}

/** A receiver's observers, each called safely. */
export class ObserverList {
  readonly #observers: WebhookObserver[] = [];
  readonly #failed = new WeakSet<WebhookObserver>();
  readonly #logger: WebhookLogger;

  constructor(logger: WebhookLogger) {
    this.#logger = logger;
  }

  get size(): number {
    return this.#observers.length;
  }

  add(observer: WebhookObserver): () => void {
    this.#observers.push(observer);
    return () => {
      const index = this.#observers.indexOf(observer);
      if (index !== -1) this.#observers.splice(index, 1);
    };
  }

  received(start: ReceivedObservation): unknown[] {
    return this.#observers.map((observer) => this.#call(observer, () => observer.received?.(start)));
  }

  /** Whether any observer asked for the body, so the receiver hands it over only then. */
  get wantsBody(): boolean {
    return this.#observers.some((observer) => observer.read !== undefined);
  }

  read(body: Uint8Array, fromReceived: unknown[]): void {
    this.#observers.forEach((observer, index) => {
      if (observer.read !== undefined) this.#call(observer, () => observer.read?.(body, fromReceived[index]));
    });
  }

  answered(answer: AnsweredObservation, fromReceived: unknown[]): void {
    this.#observers.forEach((observer, index) => {
      this.#call(observer, () => observer.answered?.(answer, fromReceived[index]));
    });
  }

  storing(delivery: StoringObservation, fromReceived: unknown[]): void {
    this.#observers.forEach((observer, index) => {
      this.#call(observer, () => observer.storing?.(delivery, fromReceived[index]));
    });
  }

  attemptStarted(attempt: AttemptObservation): unknown[] {
    return this.#observers.map((observer) => this.#call(observer, () => observer.attemptStarted?.(attempt)));
  }

  attemptFinished(result: AttemptResultObservation, fromStarted: unknown[]): void {
    this.#observers.forEach((observer, index) => {
      this.#call(observer, () => observer.attemptFinished?.(result, fromStarted[index]));
    });
  }

  #call(observer: WebhookObserver, run: () => unknown): unknown {
    try {
      const value = run();
      // An async hook fails by rejecting: caught here, or it would be an unhandled rejection.
      if (isThenable(value)) value.then(undefined, (error: unknown) => this.#failure(observer, error));
      return value;
    } catch (error) {
      this.#failure(observer, error);
      return undefined;
    }
  }

  #failure(observer: WebhookObserver, error: unknown): void {
    if (this.#failed.has(observer)) return;
    this.#failed.add(observer);
    log(this.#logger, 'error', 'an observer threw; its answers are ignored', { cause: describeError(error) });
  }
}

/** Sums up a result for observers. */
export function observation(
  result: WebhookResult,
  outcome: WebhookOutcome,
  durations: AnsweredObservation['durations'],
): AnsweredObservation {
  const { meta, body } = result;
  return {
    status: result.status,
    outcome,
    code: 'code' in body ? body.code : undefined,
    event: meta.event,
    unknownEvent: meta.unknownEvent === true,
    duplicate: outcome === 'duplicate',
    queued: outcome === 'queued',
    aborted: meta.aborted === true,
    secretIndex: meta.secretIndex,
    error: meta.error,
    details: 'details' in body ? body.details : undefined,
    durations,
  };
}
