import type { RawBody } from '../bytes.js';
import { WebhookError } from '../errors.js';
import { EVENT_CATALOG, isCatalogEventName } from '../events/catalog.js';
import type {
  CheckedPattern,
  DataMap,
  EventNameOf,
  EventOf,
  IdempotencyKeyOf,
  MatchPattern,
  SchemaMap,
  WebhookContext,
  WebhookContextExtensions,
  WebhookEvent,
  WebhookHandler,
  WildcardNameOf,
} from '../events/event-types.js';
import type { UnknownData } from '../events/schemas.js';
import { checkRequest } from '../exchange/check-request.js';
import { type AnyHandler, type Delivery, dispatch, report } from '../exchange/dispatch.js';
import { readExchangeBody } from '../exchange/read-body.js';
import { isAnswer, refusal, type WebhookResult } from '../exchange/result.js';
import { checkReplayWindow, isKnownEvent, parseDelivery, validateEvent, verifySignature } from '../exchange/steps.js';
import type { Exchange } from '../exchange/types.js';
import { Router } from '../handlers/router.js';
import { getSingleHeader, type HeadersInput } from '../headers.js';
import { createBacklogGate, enqueueDelivery } from '../inbox/enqueue.js';
import { log } from '../observe/logger.js';
import {
  type AnsweredObservation,
  ObserverList,
  observation,
  type StoringObservation,
  type WebhookObserver,
} from '../observe/observer.js';
import { createRefusalRecorder, type RefusalRecorder, registerRefusals } from '../observe/refusal-log.js';
import { type ReceiverConfig, resolveConfig } from './config.js';
import { registerReceiver } from './internals.js';
import type { WebhookReceiverOptions } from './options.js';

/**
 * What `receive()` takes: the exact bytes received and the request headers.
 *
 * @example
 * ```ts
 * const input: ReceiveInput = { rawBody: await request.arrayBuffer(), headers: request.headers, method: request.method };
 * ```
 */
export interface ReceiveInput {
  /** The exact bytes received. A string is taken as UTF-8. */
  rawBody: RawBody;
  headers: HeadersInput;
  /** When given, anything but POST answers 405 with `Allow: POST`. */
  method?: string;
  /** Values handlers can reach through `ctx`. */
  context?: WebhookContextExtensions;
}

/**
 * A webhook receiver: register handlers, then mount it with an adapter, or call `receive()` with
 * the bytes yourself.
 *
 * @example
 * ```ts
 * const webhooks: WebhookReceiver = createWebhookReceiver({ secret: 'whsec_…' });
 * webhooks.on('eval.completed', (event) => console.log(event.data.passed));
 * ```
 */
export interface WebhookReceiver<
  S extends SchemaMap = Record<never, never>,
  K extends string | undefined = string | undefined,
> {
  /**
   * Runs `handler` for an event name, several names, or a prefix wildcard such as `'escrow.*'`.
   * The event type narrows to the names matched. Wildcards match the documented names and your
   * `schemas` names, not the catalog's legacy names: route those by exact name.
   */
  on<const P extends string>(
    pattern:
      | CheckedPattern<EventNameOf<S>, P, WildcardNameOf<S>>
      | readonly CheckedPattern<EventNameOf<S>, P, WildcardNameOf<S>>[],
    handler: WebhookHandler<EventOf<DataMap<S>, MatchPattern<EventNameOf<S>, P, WildcardNameOf<S>>>, WebhookContext<K>>,
  ): this;
  /** Runs `handler` for every known event (catalog, legacy, and `schemas` names). */
  onAny(handler: WebhookHandler<EventOf<DataMap<S>, EventNameOf<S>>, WebhookContext<K>>): this;
  /** Runs `handler` for event names the catalog does not know (when `unknownEvents` is `'acknowledge'`). */
  onUnknown(handler: WebhookHandler<WebhookEvent<string, UnknownData>, WebhookContext<K>>): this;
  /** The whole pipeline over bytes already read. Never throws; every outcome is a `WebhookResult`. */
  receive(input: ReceiveInput): Promise<WebhookResult>;
}

/** The key under which a receiver carries its exchange entry for `@armalo-webhooks/core/adapter`. */
export const EXCHANGE = Symbol.for('@armalo-webhooks/core.exchange');

/**
 * Creates a receiver. One receiver per webhook secret (per Armalo account).
 *
 * @example
 * ```ts
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 *
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * webhooks.on('score.changed', async (event) => {
 *   console.log(event.data.agentId, event.data.compositeScore);
 * });
 * webhooks.on('escrow.*', async (event) => console.log(event.event));
 * const result = await webhooks.receive({ rawBody, headers });
 * ```
 */
export function createWebhookReceiver<
  S extends SchemaMap = Record<never, never>,
  O extends WebhookReceiverOptions<S> = WebhookReceiverOptions<S>,
>(options: O & WebhookReceiverOptions<S>): WebhookReceiver<S, IdempotencyKeyOf<O>> {
  const config = resolveConfig(options);
  const router = new Router(
    (name) => isKnownEvent(config.schemas, name),
    () => [...new Set([...Object.keys(EVENT_CATALOG), ...Object.keys(config.schemas)])],
    (name) => Object.hasOwn(config.schemas, name) || !(isCatalogEventName(name) && EVENT_CATALOG[name].legacy),
  );
  const observers = new ObserverList(config.logger);
  for (const observer of options.observers ?? []) observers.add(observer);
  const refusals = createRefusalRecorder(config.logger, options.logRefusals);
  const exchange = createExchange(config, router, observers, refusals);
  const receiver: WebhookReceiver<S, IdempotencyKeyOf<O>> = {
    on(pattern, handler) {
      router.add(pattern, handler as AnyHandler);
      return receiver;
    },
    onAny(handler) {
      router.addAny(handler as AnyHandler);
      return receiver;
    },
    onUnknown(handler) {
      router.addUnknown(handler as AnyHandler);
      return receiver;
    },
    receive(input) {
      if (input === null || typeof input !== 'object') return exchange(undefined as never);
      return exchange({
        method: input.method,
        headers: input.headers,
        body: { kind: 'bytes', bytes: input.rawBody },
        context: input.context,
      });
    },
  };
  Object.defineProperty(receiver, EXCHANGE, { value: exchange });
  Object.defineProperty(receiver, OBSERVERS, { value: observers });
  registerRefusals(receiver, refusals);
  registerReceiver(receiver, { config, router, observers });
  return receiver;
}

const OBSERVERS = Symbol.for('@armalo-webhooks/core.observers');

/**
 * Adds an observer to a receiver (see {@link WebhookObserver}); returns the function that removes
 * it. Instrumentation such as `@armalo-webhooks/opentelemetry` attaches itself this way.
 *
 * @example
 * ```ts
 * import { observe } from '@armalo-webhooks/core';
 * const stop = observe(webhooks, {
 *   answered: (answer) => { if (answer.code === 'INVALID_SIGNATURE') alarms.signatureFailures.inc(); },
 * });
 * ```
 */
export function observe(receiver: Pick<WebhookReceiver<SchemaMap>, 'receive'>, observer: WebhookObserver): () => void {
  const observers = (receiver as { [OBSERVERS]?: ObserverList } | null)?.[OBSERVERS];
  if (!(observers instanceof ObserverList)) {
    throw new TypeError('armalo-webhooks: observe() needs a receiver from createWebhookReceiver()');
  }
  return observers.add(observer);
}

/**
 * The whole exchange, in one order: the checks that need no body, the body, the signature, the
 * envelope, the replay window, the event's schema, then idempotency and the handlers. Never
 * throws: a bug or a malformed call answers 500 INTERNAL_ERROR.
 */
function createExchange(
  config: ReceiverConfig,
  router: Router,
  observers: ObserverList,
  refusals: RefusalRecorder,
): (exchange: Exchange) => Promise<WebhookResult> {
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
    let verified = verifySignature(config, bytes, headers, meta);
    if (verified instanceof Promise) verified = await verified;
    if (isAnswer(verified)) return verified;
    const { secretIndex } = verified;
    const envelope = parseDelivery(bytes, meta);
    if (isAnswer(envelope)) return envelope;
    const timestampMs = checkReplayWindow(config, envelope, now, meta);
    if (isAnswer(timestampMs)) return timestampMs;
    let validated = validateEvent(config, envelope, meta);
    if (validated instanceof Promise) validated = await validated;
    if (isAnswer(validated)) return validated;
    envelope.data = validated.data;
    if (clock) clock.verified = performance.now();

    const rawBody = bytes;
    const delivery: Delivery = {
      event: envelope as WebhookEvent,
      handlers: validated.known ? router.handlersFor(envelope.event) : router.unknownHandlers,
      bytes,
      secretIndex,
      tag: verified.tag,
      timestampMs,
      now,
      meta,
      context: (idempotencyKey) => createContext(exchange, { bytes: rawBody, idempotencyKey, secretIndex, now }),
      storing: clock?.storing,
    };
    return config.inbox && backlog
      ? enqueueDelivery(config, config.inbox, backlog, delivery, headers)
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
    refusals.record(result);
    observers.answered(observation(result, durations(clock, performance.now())), fromReceived);
    return result;
  }

  // Without observers nothing is timed; refusals are counted either way (in the one step that
  // already follows run(), so no promise is added per delivery).
  const counted = (result: WebhookResult) => {
    refusals.record(result);
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

function createContext(
  exchange: Exchange,
  facts: { bytes: Uint8Array; idempotencyKey: string | undefined; secretIndex: number; now: number },
): WebhookContext {
  const { headers } = exchange;
  const own: WebhookContext = {
    idempotencyKey: facts.idempotencyKey,
    secretIndex: facts.secretIndex,
    receivedAt: new Date(facts.now),
    headers,
    header: (name: string) => getSingleHeader(headers, name.toLowerCase()),
    rawBody: facts.bytes,
    attempt: 1,
    deliveryId: facts.idempotencyKey,
    enqueuedAt: undefined,
  };
  // Core's fields win over an adapter's.
  return exchange.context === undefined ? own : Object.assign({}, exchange.context, own);
}
