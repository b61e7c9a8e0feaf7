import { describe, expect, it, vi } from 'vitest';
import {
  delivery,
  expectCode,
  OLD_SECRET,
  rawDelivery,
  receiverWith,
  SECRET,
  silentLogger,
} from '../fixtures/receiver.js';
import { createWebhookReceiver } from '../index.js';
import { sign } from '../testing/index.js';

describe('receive(): failures are reported, never thrown', () => {
  it('a synchronous throw is HANDLER_FAILED, logged when there is no onError', async () => {
    const logger = silentLogger();
    const receiver = createWebhookReceiver({ secret: SECRET, logger }).on('eval.failed', () => {
      throw new TypeError('boom');
    });
    expectCode(await receiver.receive(delivery('eval.failed', {})), 'HANDLER_FAILED');
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toContain('HANDLER_FAILED');
    expect(logger.error.mock.calls[0]![1]).toMatchObject({ event: 'eval.failed', cause: 'TypeError: boom' });
  });

  it('an onError hook that throws is logged and the answer is still 500', async () => {
    const logger = silentLogger();
    const receiver = createWebhookReceiver({
      secret: SECRET,
      logger,
      onError: () => {
        throw new Error('hook broke');
      },
    }).onAny(() => {
      throw new Error('handler broke');
    });
    expectCode(await receiver.receive(delivery('eval.failed', {})), 'HANDLER_FAILED');
    expect(logger.error).toHaveBeenCalledWith('armalo-webhooks: onError threw', { cause: 'Error: hook broke' });
  });

  it('INTERNAL_ERROR instead of a throw for a rawBody of the wrong type', async () => {
    const onError = vi.fn();
    const receiver = receiverWith({ onError });
    for (const rawBody of [42, null, undefined, { event: 'score.changed' }, [1, 2], new DataView(new ArrayBuffer(2))]) {
      const input = { ...delivery('eval.failed', {}), rawBody: rawBody as never };
      const result = await receiver.receive(input);
      expectCode(result, 'INTERNAL_ERROR');
    }
    expect(onError).toHaveBeenCalledTimes(6);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('never throws, even for a broken input object', async () => {
    const receiver = receiverWith();
    await expect(receiver.receive(undefined as never)).resolves.toMatchObject({ body: { code: 'INTERNAL_ERROR' } });
    await expect(receiver.receive({ rawBody: '{}', headers: undefined as never })).resolves.toMatchObject({
      status: 500,
    });
    await expect(receiver.receive({ rawBody: '{}', headers: null as never })).resolves.toMatchObject({
      body: { code: 'INTERNAL_ERROR' },
    });
  });

  it('never puts the secret or the received signature in any error body', async () => {
    const secrets = [SECRET, OLD_SECRET];
    const receiver = createWebhookReceiver({
      secret: secrets,
      logger: silentLogger(),
      unknownEvents: 'reject',
      maxBodyBytes: 4096,
    }).onAny(() => {
      throw new Error(`handler saw ${SECRET}`);
    });
    const valid = delivery('eval.failed', {});
    const signature = valid.headers['x-armalo-signature'] as string;
    const wrong = sign(valid.rawBody, 'whsec_other');
    const inputs = [
      { ...valid, method: 'GET' },
      { ...valid, headers: { ...valid.headers, 'content-type': 'text/plain' } },
      { ...valid, rawBody: `${valid.rawBody}${' '.repeat(5000)}` },
      { ...valid, headers: { 'content-type': 'application/json' } },
      { ...valid, headers: { ...valid.headers, 'x-armalo-signature': `${signature}00` } },
      { ...valid, headers: { ...valid.headers, 'x-armalo-signature': [signature, signature] } },
      { ...valid, headers: { ...valid.headers, 'x-armalo-signature': wrong } },
      delivery('eval.failed', {}, { timestamp: '2001-01-01T00:00:00Z' }),
      rawDelivery('nope'),
      rawDelivery('{"event":"x"}'),
      delivery('score.changed', { agentId: SECRET }),
      delivery('not.a.known.event', {}),
      valid,
      { ...valid, rawBody: 7 as never },
    ];
    const codes = new Set<string>();
    for (const input of inputs) {
      const headers = input.headers as Record<string, string | string[]>;
      const sent = ([] as string[]).concat(headers['x-armalo-signature'] ?? []);
      const result = await receiver.receive({
        ...input,
        headers: { ...headers, 'x-armalo-signature': sent.length === 1 ? sent[0]! : sent },
      });
      expect(result.body).not.toHaveProperty('ok');
      codes.add((result.body as { code: string }).code);
      const text = `${JSON.stringify(result.body)} ${JSON.stringify(result.headers)}`.toLowerCase();
      for (const secret of secrets) expect(text).not.toContain(secret.toLowerCase());
      for (const value of [signature, wrong, ...sent]) expect(text).not.toContain(value.slice(0, 64).toLowerCase());
    }
    expect([...codes].sort()).toEqual([
      'HANDLER_FAILED',
      'INTERNAL_ERROR',
      'INVALID_ENVELOPE',
      'INVALID_EVENT_DATA',
      'INVALID_JSON',
      'INVALID_SIGNATURE',
      'MALFORMED_SIGNATURE',
      'METHOD_NOT_ALLOWED',
      'MISSING_SIGNATURE',
      'PAYLOAD_TOO_LARGE',
      'TIMESTAMP_OUT_OF_TOLERANCE',
      'UNKNOWN_EVENT',
      'UNSUPPORTED_MEDIA_TYPE',
    ]);
  });
});

describe('misbehaving user code and odd inputs still get a clear answer', () => {
  it('a throwing idempotency key function is INTERNAL_ERROR, not a store outage, and runs nothing', async () => {
    const handler = vi.fn();
    const onError = vi.fn();
    const webhooks = receiverWith({
      onError,
      idempotency: {
        key: () => {
          throw new Error('bad key');
        },
      },
    });
    webhooks.onAny(handler);
    expectCode(await webhooks.receive(delivery('eval.failed', {})), 'INTERNAL_ERROR');
    expect(handler).not.toHaveBeenCalled();
    expect(onError.mock.calls[0]?.[0].code).toBe('INTERNAL_ERROR');
  });

  it('a key function returning an empty string is INTERNAL_ERROR', async () => {
    const webhooks = receiverWith({ idempotency: { key: () => '' } });
    expectCode(await webhooks.receive(delivery('eval.failed', {})), 'INTERNAL_ERROR');
  });

  it('an onError hook and a logger that both throw do not make receive() throw', async () => {
    const throwing = () => {
      throw new Error('broken logger');
    };
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      logger: { warn: throwing, error: throwing },
      onError: throwing,
    });
    webhooks.onAny(() => {
      throw new Error('handler failure');
    });
    expectCode(await webhooks.receive(delivery('eval.failed', {})), 'HANDLER_FAILED');
  });

  it('a signature header array holding a non-string is MALFORMED_SIGNATURE', async () => {
    const input = delivery('eval.failed', {});
    const headers = { ...input.headers, 'x-armalo-signature': [42] as unknown as string[] };
    expectCode(await receiverWith().receive({ ...input, headers }), 'MALFORMED_SIGNATURE');
  });

  it('a bodyTimeoutMs past what setTimeout can hold is refused at creation', () => {
    expect(() => receiverWith({ bodyTimeoutMs: 2 ** 31 })).toThrow(RangeError);
  });
});
