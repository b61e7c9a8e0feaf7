import type { FreshnessInfo } from '../freshness/types.js';
import type { HeadersInput } from '../headers.js';
import type { EventDataMap, LegacyEventName } from './catalog.js';
import type { UnknownData } from './schemas.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * User-supplied `data` schemas by event name: any Standard Schema v1 validator.
 *
 * @example
 * ```ts
 * const schemas = { 'pact.violated': z.looseObject({ pactId: z.string() }) } satisfies SchemaMap;
 * ```
 */
export type SchemaMap = Record<string, StandardSchemaV1>;

/**
 * The `data` type of every routable event: the catalog's, overridden or extended by user schemas.
 *
 * @example
 * ```ts
 * type Data = DataMap<{}>['eval.completed']['passed']; // boolean
 * ```
 */
export type DataMap<S extends SchemaMap> = Omit<EventDataMap, keyof S> & {
  [K in keyof S]: StandardSchemaV1.InferOutput<S[K]>;
};

/**
 * Every routable event name for a receiver with schemas `S`.
 *
 * @example
 * ```ts
 * const name: EventNameOf<{}> = 'swarm.halted';
 * ```
 */
export type EventNameOf<S extends SchemaMap> = Extract<keyof DataMap<S>, string>;

/**
 * A verified, validated delivery as handlers receive it. Fields the provider adds later are kept
 * on the object at run time.
 *
 * @example
 * ```ts
 * webhooks.on('score.changed', (event: WebhookEvent<'score.changed', ScoreChangedData>) => {});
 * ```
 */
export interface WebhookEvent<N extends string = string, D = UnknownData> {
  readonly event: N;
  /** ISO-8601 time the provider stamped on the event, as sent. */
  readonly timestamp: string;
  readonly data: D;
}

/**
 * The event object for a name (or a union of names), as a discriminated union on `event`.
 *
 * @example
 * ```ts
 * type E = EventOf<DataMap<{}>, 'escrow.funded' | 'escrow.released'>;
 * ```
 */
export type EventOf<M, N> = N extends keyof M & string ? WebhookEvent<N, M[N]> : never;

type Prefixes<N extends string> = N extends `${infer Head}.${infer Tail}` ? Head | `${Head}.${Prefixes<Tail>}` : never;

/**
 * The names prefix wildcards match for a receiver with schemas `S`: every routable name but the
 * catalog's legacy ones (unless `S` gives one a schema). A legacy name is routed by its exact name
 * only, so `'pact.*'` means the pact events Armalo documents today, not `pact.created`.
 *
 * @example
 * ```ts
 * type Pact = MatchPattern<EventNameOf<{}>, 'pact.*', WildcardNameOf<{}>>; // 'pact.violated' | 'pact.anchored' | 'pact.cosigned'
 * ```
 */
export type WildcardNameOf<S extends SchemaMap> = Exclude<EventNameOf<S>, Exclude<LegacyEventName, keyof S>>;

/**
 * A prefix wildcard such as `'escrow.*'` or `'agent.score.*'`, built from the known names.
 *
 * @example
 * ```ts
 * const pattern: WildcardPattern<EventNameOf<{}>> = 'escrow.*';
 * ```
 */
export type WildcardPattern<N extends string> = `${Prefixes<N>}.*`;

/**
 * What `on()` accepts: an exact name of `N` or a prefix wildcard over the names `W` (by default,
 * `N` without the legacy names; see {@link WildcardNameOf}).
 *
 * @example
 * ```ts
 * const patterns: EventPattern<EventNameOf<{}>>[] = ['eval.completed', 'pact.*'];
 * ```
 */
export type EventPattern<N extends string, W extends string = Exclude<N, LegacyEventName>> = N | WildcardPattern<W>;

/**
 * The type error `on()` gives for a pattern that matches no event: a sentence naming the pattern,
 * instead of the expanded union of every name.
 *
 * @example
 * ```ts
 * // webhooks.on('score.chnaged', …) fails with: Argument of type '"score.chnaged"' is not assignable
 * // to parameter of type '"score.chnaged is not an event name or wildcard this receiver knows: see EventName" | …'
 * type Message = NotAnEventPattern<'score.chnaged'>;
 * ```
 */
export type NotAnEventPattern<P extends string> =
  `${P} is not an event name or wildcard this receiver knows: see EventName`;

/**
 * `P` itself when it is an event name or prefix wildcard of `N`, else {@link NotAnEventPattern}.
 *
 * @example
 * ```ts
 * type Ok = CheckedPattern<EventNameOf<{}>, 'escrow.*'>; // 'escrow.*'
 * ```
 */
export type CheckedPattern<N extends string, P extends string, W extends string = Exclude<N, LegacyEventName>> =
  P extends EventPattern<N, W> ? P : NotAnEventPattern<P>;

/**
 * The names a pattern matches.
 *
 * @example
 * ```ts
 * type Escrow = MatchPattern<EventNameOf<{}>, 'escrow.*'>; // 'escrow.funded' | 'escrow.released' | …
 * ```
 */
export type MatchPattern<
  N extends string,
  P extends string,
  W extends string = Exclude<N, LegacyEventName>,
> = P extends `${infer Prefix}.*` ? Extract<W, `${Prefix}.${string}`> : Extract<N, P>;

/**
 * Properties adapters add to the handler context. Adapters extend it with `declare module`, for
 * example `ctx.express?.req`; core leaves it empty.
 *
 * @example
 * ```ts
 * declare module '@armalo-webhooks/core' {
 *   interface WebhookContextExtensions { myRuntime?: { requestId: string } }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by adapters through declaration merging
export interface WebhookContextExtensions {}

/**
 * The second argument of every handler, the same type inline and in the inbox worker. In the
 * worker there is no request: `headers` is empty and adapter extras (`ctx.express`, …) are absent.
 * `K` is the type of `idempotencyKey` and `deliveryId`: `string` on a receiver whose options leave
 * idempotency on (see {@link IdempotencyKeyOf}), `string | undefined` otherwise.
 *
 * @example
 * ```ts
 * webhooks.on('pact.violated', async (event, ctx) => {
 *   log.info({ key: ctx.idempotencyKey, secret: ctx.secretIndex }, 'pact violated');
 * });
 * ```
 */
export interface WebhookContext<K extends string | undefined = string | undefined> extends WebhookContextExtensions {
  /** The key this delivery was claimed under; `undefined` when idempotency is turned off. */
  readonly idempotencyKey: K;
  /** Which configured secret verified the signature (0 = the first, the current one). */
  readonly secretIndex: number;
  /** When `receive()` started on this delivery. */
  readonly receivedAt: Date;
  /** The request headers, as the adapter passed them. */
  readonly headers: HeadersInput;
  /** One request header by name (case-insensitive); repeated values are joined with ", ". */
  header(name: string): string | undefined;
  /** The exact bytes that were verified. */
  readonly rawBody: Uint8Array;
  /** Which try this is: always 1 inline; 1, 2, … in the inbox worker (tries lost to a crash count). */
  readonly attempt: number;
  /**
   * The delivery's key, stable across retries, re-sends and replays: the key to make an effect
   * idempotent with. Inline it is `idempotencyKey` (so `undefined` with `idempotency: false`).
   */
  readonly deliveryId: K;
  /** When the inbox stored the delivery; `undefined` inline. */
  readonly enqueuedAt: Date | undefined;
  /**
   * The freshness guard's view (see the `freshness` option and `FreshnessInfo`): the key, the
   * watermark seen, and whether this delivery raises it if the handlers succeed. `undefined` for an
   * event without a freshness key.
   */
  readonly freshness: FreshnessInfo | undefined;
}

/**
 * The type of `ctx.idempotencyKey` for a receiver created with options `O`: `string` unless the
 * options may turn idempotency off (`idempotency: false`, or options typed as
 * `WebhookReceiverOptions`, where it could be), then `string | undefined`.
 *
 * @example
 * ```ts
 * type On = IdempotencyKeyOf<{ secret: string }>; // string
 * type Off = IdempotencyKeyOf<{ secret: string; idempotency: false }>; // string | undefined
 * ```
 */
export type IdempotencyKeyOf<O> = 'idempotency' extends keyof O
  ? O extends { idempotency?: infer I }
    ? false extends I
      ? string | undefined
      : string
    : string | undefined
  : string;

/**
 * A handler: it may be async; a throw or rejection fails the delivery (500) so the sender retries.
 *
 * @example
 * ```ts
 * const handler: WebhookHandler<WebhookEvent<'swarm.halted'>> = async (event) => alert(event.data);
 * ```
 */
export type WebhookHandler<E, C extends WebhookContext = WebhookContext> = (event: E, ctx: C) => unknown;
