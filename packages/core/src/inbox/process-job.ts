import { base64ToBytes } from '../bytes.js';
import { WebhookError } from '../errors.js';
import type { WebhookEvent } from '../events/event-types.js';
import { type ErrorBody, isAnswer, type ResultMeta } from '../exchange/result.js';
import { isKnownEvent, parseDelivery, validateEvent } from '../exchange/steps.js';
import { freshnessInfo } from '../freshness/info.js';
import { freshnessOf } from '../freshness/mark.js';
import type { FreshnessInfo, FreshnessMark, InboxFreshness } from '../freshness/types.js';
import { createContext } from '../handlers/context.js';
import { runHandlers } from '../handlers/run-handlers.js';
import type { AttemptObservation, AttemptResultObservation } from '../observe/observer.js';
import type { ReceiverInternals } from '../receiver/internals.js';
import { reportAttempt, reportStale } from './attempt-log.js';
import { backoffMs, type RetryConfig } from './backoff.js';
import { describeFailure } from './failure.js';
import type { Inbox, InboxFailure, InboxJob, InboxOutcome, ProcessJob } from './types.js';

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Core's side of the worker: for one job, re-validate the stored delivery against the current
 * schemas, run the same handlers the inline mode runs, and decide what the engine does next:
 * complete, retry after a backoff, dead-letter, or (with `freshness`) settle it as stale. Never
 * throws. Observers are told each attempt's start and end; without observers, nothing is timed.
 */
export function createJobProcessor(internals: ReceiverInternals, retry: RetryConfig, inbox: Inbox): ProcessJob {
  const process = createAttempt(internals, retry, inbox.freshness);
  const engine = inbox.kind;
  const { observers } = internals;
  return async (job) => {
    if (observers.size === 0) return process(job);
    const { delivery, attempt } = job;
    const facts = {
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      unknownEvent: !isKnownEvent(internals.config.schemas, delivery.event),
      engine,
      attempt,
    };
    const started = performance.now();
    const startObservation: AttemptObservation = { ...facts, enqueuedAt: job.enqueuedAt, trace: delivery.trace };
    if (delivery.replayOf !== undefined) startObservation.replayOf = delivery.replayOf;
    const fromStarted = observers.attemptStarted(startObservation);
    const outcome = await process(job);
    const result: AttemptResultObservation = {
      ...facts,
      outcome: ATTEMPT_OUTCOMES[outcome.status],
      durationMs: performance.now() - started,
    };
    if (outcome.status === 'retry') result.retryAt = new Date(Date.now() + outcome.delayMs);
    if (outcome.status === 'retry' || outcome.status === 'dead') {
      result.error = { code: outcome.error.code, message: outcome.error.message };
    }
    observers.attemptFinished(result, fromStarted);
    return outcome;
  };
}

const ATTEMPT_OUTCOMES = {
  completed: 'succeeded',
  retry: 'retrying',
  dead: 'dead-lettered',
  stale: 'stale',
} as const satisfies Record<InboxOutcome['status'], AttemptResultObservation['outcome']>;

function createAttempt(
  { config, router }: ReceiverInternals,
  retry: RetryConfig,
  engine: InboxFreshness | undefined,
): ProcessJob {
  return async (job: InboxJob): Promise<InboxOutcome> => {
    const { delivery, attempt } = job;
    const info = { event: delivery.event, idempotencyKey: delivery.deliveryId, attempt };
    const deadNow = async (failure: InboxFailure) => {
      const outcome = dead(failure);
      await reportAttempt(config, undefined, info, retry, outcome);
      return outcome;
    };
    try {
      // Tries lost to crashes or timeouts count: a delivery that keeps killing workers stops here.
      if (attempt > retry.attempts) {
        return deadNow({
          code: 'ATTEMPTS_EXHAUSTED',
          message: `no try left: attempt ${attempt} of ${retry.attempts} (earlier tries were lost to a crash or a timeout)`,
          attempt,
        });
      }
      const bytes = base64ToBytes(delivery.body);
      const meta: ResultMeta = {};
      const envelope = parseDelivery(bytes, meta);
      if (isAnswer(envelope)) return deadNow(refused(envelope.body as ErrorBody, attempt));
      // The schemas may have changed since the web process validated it: a delivery that no longer
      // validates will not validate on the next try either.
      const validated = await validateEvent(config, envelope, meta);
      if (isAnswer(validated)) return deadNow(refused(validated.body as ErrorBody, attempt));
      envelope.data = validated.data;

      // With `freshness`: the engine reads the key's watermark (and holds the key) before any handler.
      let held: { freshness: InboxFreshness; mark: FreshnessMark } | undefined;
      let freshness: FreshnessInfo | undefined;
      const timestampMs = config.freshness === undefined ? 0 : Date.parse(envelope.timestamp);
      const guarded =
        config.freshness === undefined
          ? undefined
          : await freshnessOf(config.freshness, config.keying, envelope as WebhookEvent, timestampMs);
      if (guarded instanceof WebhookError) throw guarded.cause ?? guarded;
      if (guarded !== undefined) {
        // The receiver checked at startup that its inbox has the capability.
        const capability = engine as InboxFreshness;
        const began = await capability.begin(job, guarded.mark);
        if (began.status === 'stale') {
          reportStale(config, { ...info, timestampMs, watermarkMs: began.watermarkMs });
          return { status: 'stale', watermarkMs: began.watermarkMs };
        }
        if (began.status === 'busy') {
          // Another job of the key is running: not this delivery's failure, so a short wait.
          return settleFailure(
            // The key is made from the payload: not in the message.
            { code: 'FRESHNESS_KEY_BUSY', message: 'another delivery of its freshness key is running', attempt },
            attempt,
            retry,
            began.retryAfterMs,
          );
        }
        held = { freshness: capability, mark: guarded.mark };
        freshness = freshnessInfo(guarded.key, began.watermarkMs, timestampMs);
      }
      try {
        const failure = await runGuarded(job, envelope as WebhookEvent, bytes, freshness, validated.known);
        if (failure === undefined) {
          if (held !== undefined) {
            const { freshness: capability, mark } = held;
            held = undefined; // advanced (or failed advancing): nothing left to give back
            await capability.advance(job, mark);
          }
          return { status: 'completed' };
        }
        const outcome = settleFailure(describeFailure(failure, attempt), attempt, retry);
        await reportAttempt(config, new WebhookError('HANDLER_FAILED', { cause: failure }), info, retry, outcome);
        return outcome;
      } finally {
        // A failure leaves the watermark as it was and frees the key for the next delivery.
        if (held !== undefined) await Promise.resolve(held.freshness.end?.(job, held.mark)).catch(() => {});
      }
    } catch (cause) {
      // A bug or a corrupt stored delivery: retried like a handler failure, then dead-lettered.
      const outcome = settleFailure({ ...describeFailure(cause, attempt), code: 'INTERNAL_ERROR' }, attempt, retry);
      await reportAttempt(config, new WebhookError('INTERNAL_ERROR', { cause }), info, retry, outcome);
      return outcome;
    }
  };

  /** The handlers, as the inline mode runs them: the failure, or `undefined`. */
  async function runGuarded(
    job: InboxJob,
    envelope: WebhookEvent,
    bytes: Uint8Array,
    freshness: FreshnessInfo | undefined,
    known: boolean,
  ): Promise<unknown> {
    const { delivery, attempt } = job;
    const ctx = createContext(
      {
        idempotencyKey: delivery.deliveryId,
        secretIndex: delivery.secretIndex,
        receivedAt: new Date(delivery.receivedAt),
        headers: delivery.headers ?? NO_HEADERS,
        rawBody: bytes,
        attempt,
        deliveryId: delivery.deliveryId,
        enqueuedAt: job.enqueuedAt,
        freshness,
      },
      job.context,
    );
    const handlers = known ? router.handlersFor(envelope.event) : router.unknownHandlers;
    return runHandlers(handlers, envelope, ctx);
  }
}

type Failed = Extract<InboxOutcome, { status: 'retry' | 'dead' }>;

function settleFailure(error: InboxFailure, attempt: number, retry: RetryConfig, delayMs?: number): Failed {
  if (attempt >= retry.attempts) return dead(error);
  return { status: 'retry', delayMs: delayMs ?? backoffMs(retry, attempt), error };
}

function dead(error: InboxFailure): Failed {
  return { status: 'dead', error };
}

function refused(body: ErrorBody, attempt: number): InboxFailure {
  const failure: InboxFailure = { code: body.code, message: body.error, attempt };
  const issues = body.details?.issues;
  if (Array.isArray(issues)) failure.issues = issues as InboxFailure['issues'] & object;
  return failure;
}
