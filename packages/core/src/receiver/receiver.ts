import type { RawBody } from '../bytes.js';
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
import type { WebhookResult } from '../exchange/result.js';
import { createExchange } from '../exchange/run-exchange.js';
import { isKnownEvent } from '../exchange/steps.js';
import { Router } from '../handlers/router.js';
import type { AnyHandler } from '../handlers/run-handlers.js';
import type { HeadersInput } from '../headers.js';
import { ObserverList } from '../observe/observer.js';
import { createRefusalRecorder } from '../observe/refusal-log.js';
import { resolveConfig } from './config.js';
import { setInternals } from './internals.js';
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
  // Key functions are typed per event name for the user; the config takes any event.
  const config = resolveConfig(options as WebhookReceiverOptions<SchemaMap>);
  const router = new Router(
    (name) => isKnownEvent(config.schemas, name),
    () => [...new Set([...Object.keys(EVENT_CATALOG), ...Object.keys(config.schemas)])],
    (name) => Object.hasOwn(config.schemas, name) || !(isCatalogEventName(name) && EVENT_CATALOG[name].legacy),
  );
  const observers = new ObserverList(config.logger);
  for (const observer of options.observers ?? []) observers.add(observer);
  const refusals = createRefusalRecorder(config.logger, options.logRefusals);
  const exchange = createExchange({ config, router, observers, refusals });
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
  setInternals(receiver, { config, router, observers, refusals, exchange });
  return receiver;
}
