import { createHmac } from 'node:crypto';
import type { CatalogEventName, EventDataMap } from '../events/catalog.js';
import { type LambdaEventOptions, type LambdaHttpEvent, toLambdaEvent } from './lambda-event.js';
import { sampleData } from './samples.js';

/**
 * The lower-case hex HMAC-SHA256 of `body` under `secret`, synchronously (tests run on Node,
 * Bun or Deno, which all have `node:crypto`).
 *
 * @example
 * ```ts
 * import { sign } from '@armalo-webhooks/core/testing';
 * const signature = sign('{"event":"score.changed"}', 'whsec_test');
 * ```
 */
export function sign(body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Options for {@link createSignedDelivery}.
 *
 * @example
 * ```ts
 * const options: SignedDeliveryOptions = { secret: 'whsec_test', timestamp: new Date('2026-03-16T10:05:00Z') };
 * ```
 */
export interface SignedDeliveryOptions {
  /** The secret your receiver verifies with. */
  secret: string;
  /** The envelope timestamp. Default: now (a receiver refuses one outside its tolerance). */
  timestamp?: Date | string;
  /** Extra top-level envelope fields, as a newer provider version might send. */
  extra?: Record<string, unknown>;
}

/**
 * What `fastify.inject()` (and light-my-request) takes to send a delivery.
 *
 * @example
 * ```ts
 * const response = await app.inject(delivery.toInject('/webhooks/armalo'));
 * ```
 */
export interface InjectOptions {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  /** The signed JSON as a string: sent byte for byte, never re-serialized. */
  payload: string;
}

/**
 * A delivery as Armalo sends it: the exact JSON body, the headers that go with it, and the same
 * request shaped for each way of testing a host. `event` and `data` are what your handler should
 * receive, typed from the catalog.
 *
 * @example
 * ```ts
 * const delivery: SignedDelivery<'eval.failed'> = createSignedDelivery('eval.failed', { secret: 'whsec_test' });
 * ```
 */
export interface SignedDelivery<N extends string = string, D = N extends CatalogEventName ? EventDataMap[N] : unknown> {
  readonly event: N;
  /** The envelope timestamp, as sent. */
  readonly timestamp: string;
  readonly data: D;
  /** The exact JSON that was signed. Send this string, not an object: re-serializing breaks the signature. */
  readonly body: string;
  readonly headers: { 'content-type': 'application/json'; 'x-armalo-signature': string };
  readonly signature: string;
  /**
   * A `POST` `Request` for fetch-style hosts: Hono's `app.request()`, a Next.js App Router
   * `POST`, a Worker's `fetch`.
   *
   * @example
   * ```ts
   * const response = await app.request(delivery.toRequest('http://localhost/webhooks/armalo'));
   * ```
   */
  toRequest(url: string | URL): Request;
  /**
   * Options for Fastify's `app.inject()`: method, url, headers and the body as `payload`.
   *
   * @example
   * ```ts
   * const response = await app.inject(delivery.toInject('/webhooks/armalo'));
   * ```
   */
  toInject(url: string): InjectOptions;
  /**
   * An API Gateway HTTP API (payload 2.0) event, which is also the Lambda function URL shape,
   * for a handler from `@armalo-webhooks/aws-lambda`. `base64: true` encodes the body as a
   * function URL or a binary media type does.
   *
   * @example
   * ```ts
   * const result = await handler(delivery.toLambdaEvent({ base64: true }));
   * ```
   */
  toLambdaEvent(options?: LambdaEventOptions): LambdaHttpEvent;
}

/**
 * Builds and signs a delivery of a catalog event. `data` is typed from the catalog, so a wrong
 * field type or a misspelled event name does not compile; fields the catalog does not list are
 * allowed, as the provider may send them. Leave `data` out to send the catalog's sample, or
 * change a few fields with `sampleData(event, overrides)`. For a name the catalog does not know
 * or `data` your receiver should refuse, use {@link createUncheckedDelivery}.
 *
 * With supertest, set the headers before sending the string body (the headers carry the JSON
 * content type, so supertest sends the string as it is):
 *
 * @example
 * ```ts
 * import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
 *
 * const delivery = createSignedDelivery('score.changed', sampleData('score.changed', { compositeScore: 400 }), { secret });
 * await request(app).post('/webhooks/armalo').set(delivery.headers).send(delivery.body).expect(200);
 *
 * const sample = createSignedDelivery('eval.completed', { secret }); // the catalog's sample data
 * await webhooks.receive({ rawBody: sample.body, headers: sample.headers });
 * ```
 */
export function createSignedDelivery<const N extends CatalogEventName>(
  event: N,
  options: SignedDeliveryOptions,
): SignedDelivery<N>;
export function createSignedDelivery<const N extends CatalogEventName>(
  event: N,
  data: EventDataMap[N],
  options: SignedDeliveryOptions,
): SignedDelivery<N>;
export function createSignedDelivery(
  event: CatalogEventName,
  ...args: [SignedDeliveryOptions] | [unknown, SignedDeliveryOptions]
): SignedDelivery {
  return args.length === 1
    ? createUncheckedDelivery(event, sampleData(event), args[0])
    : createUncheckedDelivery(event, args[0], args[1]);
}

/**
 * Builds and signs a delivery with any event name and any `data`, unchecked: for events the
 * catalog does not know (ones you type through the receiver's `schemas` option), or a payload
 * you expect your receiver to refuse.
 *
 * @example
 * ```ts
 * import { createUncheckedDelivery } from '@armalo-webhooks/core/testing';
 * const delivery = createUncheckedDelivery('billing.invoice_paid', { invoiceId: 'in_1' }, { secret });
 * ```
 */
export function createUncheckedDelivery<N extends string, D>(
  event: N,
  data: D,
  options: SignedDeliveryOptions,
): SignedDelivery<N, D> {
  const timestamp =
    options.timestamp === undefined
      ? new Date().toISOString()
      : typeof options.timestamp === 'string'
        ? options.timestamp
        : options.timestamp.toISOString();
  const body = JSON.stringify({ event, timestamp, data, ...options.extra });
  const signature = sign(body, options.secret);
  const headers = { 'content-type': 'application/json', 'x-armalo-signature': signature } as const;
  return {
    event,
    timestamp,
    data,
    body,
    headers,
    signature,
    toRequest: (url) => new Request(url, { method: 'POST', headers, body }),
    toInject: (url) => ({ method: 'POST', url, headers: { ...headers }, payload: body }),
    toLambdaEvent: (lambdaOptions) => toLambdaEvent(body, headers, lambdaOptions),
  };
}
