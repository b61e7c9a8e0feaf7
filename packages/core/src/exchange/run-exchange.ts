import { WebhookError } from '../errors.js';
import type { WebhookEvent } from '../events/event-types.js';
import type { Router } from '../handlers/router.js';
import { createBacklogGate, enqueueDelivery } from '../inbox/enqueue.js';
import { log } from '../observe/logger.js';
import {
  type AnsweredObservation,
  type ObserverList,
  observation,
  type StoringObservation,
} from '../observe/observer.js';
import type { RefusalRecorder } from '../observe/refusal-log.js';
import { report } from '../observe/report.js';
import type { ReceiverConfig } from '../receiver/config.js';
import { checkRequest } from './check-request.js';
import { type Delivery, dispatch } from './dispatch.js';
import { outcomeOf } from './outcome.js';
import { readExchangeBody } from './read-body.js';
import { isAnswer, refusal, type WebhookResult } from './result.js';
import { checkReplayWindow, parseDelivery, validateEvent, verifySignature } from './steps.js';
import type { Exchange } from './types.js';

/** What one exchange runs with: the receiver's parts. */
export interface ExchangeParts {
  config: ReceiverConfig;
  router: Router;
  observers: ObserverList;
  refusals: RefusalRecorder;
}

/**
 * The whole exchange, in one order: the checks that need no body, the body, the signature, the
 * envelope, the replay window, the event's schema, then idempotency and the handlers (or the
 * inbox). Never throws: a bug or a malformed call answers 500 INTERNAL_ERROR. Its outcome is
 * decided here, once, for the refusal log and the observers.
 */
export function createExchange({
  config,
  router,
  observers,
  refusals,
}: ExchangeParts): (exchange: Exchange) => Promise<WebhookResult> {
  let consumedLogged = false;
  const backlog = config.inbox && createBacklogGate(config.inbox);
  const reader = {
    maxBodyBytes: config.maxBodyBytes,
    timeoutMs: config.bodyTimeoutMs,
    maxConcurrent: config.maxConcurrentBodies,
    inFlight: 0,
    onConsumed(result: WebhookResult) {
      // A setup mistake: worth one line in the log, not one per delivery.
      if (consumedLogged) return;
      consumedLogged = true;
      const { error, details } = result.body as unknown as { error: string; details: { fix: string } };
      log(config.logger, 'error', `RAW_BODY_UNAVAILABLE: ${error}. Fix: ${details.fix}`);
    },
  };

  async function run(exchange: Exchange, clock?: Clock): Promise<WebhookResult> {
    const { headers } = exchange;
    const refused = checkRequest(exchange.method, headers, config.maxBodyBytes);
    if (refused !== undefined) return refused;
    // Steps whose work is synchronous (bytes in hand, Node's HMAC, zod) answer without a promise;
    // only real waits are awaited.
    let bytes = readExchangeBody(exchange.body, headers, reader);
    if (bytes instanceof Promise) bytes = await bytes;
    if (isAnswer(bytes)) return bytes;
    if (clock) {
      clock.read = performance.now();
      clock.body?.(bytes);
    }

    const now = Date.now();
    const meta = {};
    let verified = verifySignature(config.keys, bytes, headers, meta);
    if (verified instanceof Promise) verified = await verified;
    if (isAnswer(verified)) return verified;
    const envelope = parseDelivery(bytes, meta);
    if (isAnswer(envelope)) return envelope;
    const timestampMs = checkReplayWindow(config.tolerance, envelope, now, meta);
    if (isAnswer(timestampMs)) return timestampMs;
    let validated = validateEvent(config, envelope, meta);
    if (validated instanceof Promise) validated = await validated;
    if (isAnswer(validated)) return validated;
    envelope.data = validated.data;
    if (clock) clock.verified = performance.now();

    const delivery: Delivery = {
      event: envelope as WebhookEvent,
      handlers: validated.known ? router.handlersFor(envelope.event) : router.unknownHandlers,
      bytes,
      secretIndex: verified.secretIndex,
      tag: verified.tag,
      timestampMs,
      now,
      headers,
      extensions: exchange.context,
      meta,
      storing: clock?.storing,
    };
    return config.inbox && backlog
      ? enqueueDelivery(config, config.inbox, backlog, delivery)
      : dispatch(config, delivery);
  }

  const internalError = async (cause: unknown) => {
    const error = new WebhookError('INTERNAL_ERROR', { cause });
    await report(config, error, {});
    return refusal('INTERNAL_ERROR', { meta: { error } });
  };

  /** With observers: tell them the exchange started and how it was answered, with its durations. */
  async function observed(exchange: Exchange): Promise<WebhookResult> {
    const fromReceived = observers.received({ method: exchange.method, headers: exchange.headers });
    const clock: Clock = {
      start: performance.now(),
      read: Number.NaN,
      verified: Number.NaN,
      storing: (delivery) => observers.storing(delivery, fromReceived),
      body: observers.wantsBody ? (bytes) => observers.read(bytes, fromReceived) : undefined,
    };
    const result = await run(exchange, clock).catch(internalError);
    const outcome = outcomeOf(result);
    refusals.record(result, outcome);
    observers.answered(observation(result, outcome, durations(clock, performance.now())), fromReceived);
    return result;
  }

  // Without observers nothing is timed; refusals are counted either way (in the one step that
  // already follows run(), so no promise is added per delivery).
  const counted = (result: WebhookResult) => {
    refusals.record(result, outcomeOf(result));
    return result;
  };
  return (exchange) => (observers.size === 0 ? run(exchange).then(counted, internalError) : observed(exchange));
}

/** When an exchange started, had its body, and was verified (performance.now() milliseconds). */
interface Clock {
  start: number;
  read: number;
  verified: number;
  storing: (delivery: StoringObservation) => void;
  /** Hands the body to the observers that define `read`. */
  body: ((bytes: Uint8Array) => void) | undefined;
}

/** Each stage's share; a stage never reached counts as zero, and the rest goes to the last one reached. */
function durations(clock: Clock, end: number): AnsweredObservation['durations'] {
  const read = Number.isNaN(clock.read) ? end : clock.read;
  const verified = Number.isNaN(clock.verified) ? end : clock.verified;
  return {
    readMs: read - clock.start,
    verifyMs: Math.max(0, verified - read),
    handlersMs: Math.max(0, end - verified),
    totalMs: end - clock.start,
  };
}
