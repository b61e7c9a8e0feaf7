import { createHmac } from 'node:crypto';

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
  secret: string;
  /** The envelope timestamp. Default: now. */
  timestamp?: Date | string;
  /** Extra top-level envelope fields, as a newer provider version might send. */
  extra?: Record<string, unknown>;
}

/**
 * A delivery as Armalo sends it: the JSON body and the headers that go with it.
 *
 * @example
 * ```ts
 * const delivery: SignedDelivery = createSignedDelivery('eval.failed', {}, { secret: 'whsec_test' });
 * ```
 */
export interface SignedDelivery {
  body: string;
  headers: { 'content-type': 'application/json'; 'x-armalo-signature': string };
  signature: string;
}

/**
 * Builds and signs a delivery, ready for supertest, `fastify.inject` or `new Request(...)`.
 *
 * @example
 * ```ts
 * import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
 * const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret });
 * await request(app).post('/webhooks/armalo').set(headers).send(body).expect(200);
 * ```
 */
export function createSignedDelivery(event: string, data: unknown, options: SignedDeliveryOptions): SignedDelivery {
  const timestamp =
    options.timestamp === undefined
      ? new Date().toISOString()
      : typeof options.timestamp === 'string'
        ? options.timestamp
        : options.timestamp.toISOString();
  const body = JSON.stringify({ event, timestamp, data, ...options.extra });
  const signature = sign(body, options.secret);
  return { body, signature, headers: { 'content-type': 'application/json', 'x-armalo-signature': signature } };
}
