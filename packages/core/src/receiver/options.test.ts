import { describe, expect, it } from 'vitest';
import { delivery, receiverWith, SECRET } from '../fixtures/receiver.js';
import { createWebhookReceiver, type WebhookReceiverOptions } from '../index.js';
import { sign } from '../testing/index.js';

describe('createWebhookReceiver options', () => {
  it.each([
    ['maxBodyBytes', { maxBodyBytes: 0 }],
    ['maxBodyBytes', { maxBodyBytes: Number.POSITIVE_INFINITY }],
    ['bodyTimeoutMs', { bodyTimeoutMs: -1 }],
    ['bodyTimeoutMs', { bodyTimeoutMs: 2 ** 31 }],
    ['maxConcurrentBodies', { maxConcurrentBodies: Number.NaN }],
    ['tolerance.pastMs', { tolerance: { pastMs: 0 } }],
    ['tolerance.futureMs', { tolerance: { futureMs: -5 } }],
    ['idempotency.leaseMs', { idempotency: { leaseMs: 0 } }],
    ['idempotency.retainMs', { idempotency: { retainMs: '1' as unknown as number } }],
    ['idempotency.timeoutMs', { idempotency: { timeoutMs: 0 } }],
    // setTimeout fires at once past 2^31 - 1 ms: every store call would time out at once.
    ['idempotency.timeoutMs', { idempotency: { timeoutMs: 3e9 } }],
  ])('throws a RangeError naming %s', (name, options) => {
    expect(() => createWebhookReceiver({ secret: SECRET, ...options })).toThrow(new RegExp(name.replace('.', '\\.')));
    expect(() => createWebhookReceiver({ secret: SECRET, ...options })).toThrow(RangeError);
  });

  it('allows idempotency.timeoutMs: Infinity (wait as long as the store takes)', async () => {
    const receiver = receiverWith({ idempotency: { timeoutMs: Number.POSITIVE_INFINITY } });
    expect((await receiver.receive(delivery('eval.failed', {}))).body).toEqual({ ok: true });
  });

  it('throws on an empty or whitespace-padded secret', () => {
    expect(() => createWebhookReceiver({ secret: '' })).toThrow(TypeError);
    expect(() => createWebhookReceiver({ secret: `${SECRET}\n` })).toThrow(/whitespace/);
  });

  it('throws a TypeError naming the `secret` option and ARMALO_WEBHOOK_SECRET when the secret is missing', () => {
    const missing = { secret: undefined } as unknown as WebhookReceiverOptions;
    expect(() => createWebhookReceiver(missing)).toThrow(TypeError);
    expect(() => createWebhookReceiver(missing)).toThrow(/`secret` option.*ARMALO_WEBHOOK_SECRET/s);
  });

  it.each([
    ['a String object', new String('whsec_x')],
    ['a list holding a String object', ['whsec_y', new String('whsec_x')]],
    ['an iterable that is not an array', new Set(['whsec_x'])],
  ])('throws a TypeError for %s, instead of verifying with one-character secrets', (_name, secret) => {
    expect(() => createWebhookReceiver({ secret: secret as unknown as string })).toThrow(TypeError);
  });

  it('a body signed with the first character of a String object secret never verifies', async () => {
    let verified = false;
    try {
      const receiver = createWebhookReceiver({ secret: new String('whsec_x') as unknown as string, tolerance: false });
      const body = JSON.stringify({ event: 'eval.failed', timestamp: new Date().toISOString(), data: {} });
      const result = await receiver.receive({ rawBody: body, headers: { 'x-armalo-signature': sign(body, 'w') } });
      verified = (result.body as { ok?: boolean }).ok === true;
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
    }
    expect(verified).toBe(false);
  });
});
