import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { bodyBytes, vector, vectors } from './fixtures/vectors.js';
import {
  type Claim,
  createMemoryStore,
  createWebhookReceiver,
  type IdempotencyStore,
  isWebhookError,
  type StandardSchemaV1,
  type WebhookReceiverOptions,
  type WebhookResult,
} from './index.js';
import { createSignedDelivery, sampleData, sign } from './testing/index.js';

const SECRET = 'whsec_receiver_test_7d2f0c';
const OLD_SECRET = 'whsec_receiver_old_91ab44';
const DAY = 24 * 60 * 60 * 1000;
const DEFAULT_PAST_MS = 7 * DAY;
const DEFAULT_FUTURE_MS = 5 * 60 * 1000;

function silentLogger() {
  return { warn: vi.fn(), error: vi.fn() };
}

function receiverWith<S extends Record<string, StandardSchemaV1> = Record<never, never>>(
  options: Partial<WebhookReceiverOptions<S>> = {},
) {
  return createWebhookReceiver<S>({ secret: SECRET, logger: silentLogger(), ...options } as WebhookReceiverOptions<S>);
}

/** Signs a raw body as given and builds the headers that go with it. */
function rawDelivery(body: string | Uint8Array, extraHeaders: Record<string, string | string[]> = {}) {
  return {
    rawBody: body,
    headers: { 'content-type': 'application/json', 'x-armalo-signature': sign(body, SECRET), ...extraHeaders },
  };
}

function delivery(
  event: string,
  data: unknown,
  options: { timestamp?: Date | string; extra?: Record<string, unknown>; secret?: string } = {},
) {
  const { body, headers } = createSignedDelivery(event, data, {
    secret: options.secret ?? SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  });
  return { rawBody: body, headers: { ...headers } as Record<string, string | string[]> };
}

function sha256(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function expectError(result: WebhookResult, status: number, code: string) {
  expect({ status: result.status, code: (result.body as { code?: string }).code }).toEqual({ status, code });
  expect(result.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(typeof (result.body as { error?: unknown }).error).toBe('string');
}

/** A store that records calls and delegates to a real memory store. */
function spyStore(inner: IdempotencyStore = createMemoryStore({ onCapacity: () => {} })) {
  const store = {
    claim: vi.fn((key: string, leaseMs: number) => inner.claim(key, leaseMs)),
    complete: vi.fn((key: string, token: string, retainMs: number) => inner.complete(key, token, retainMs)),
    release: vi.fn((key: string, token: string) => inner.release(key, token)),
  } satisfies IdempotencyStore;
  return store;
}

describe('receive(): a valid delivery', () => {
  it('answers 200 { ok: true } and runs the handler with the parsed event', async () => {
    const receiver = receiverWith();
    const handler = vi.fn();
    receiver.on('score.changed', handler);
    const input = delivery('score.changed', sampleData('score.changed'), { timestamp: new Date() });
    const result = await receiver.receive(input);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ok: true });
    expect(result.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    expect(result.meta).toMatchObject({
      event: 'score.changed',
      secretIndex: 0,
      idempotencyKey: sha256(input.rawBody),
    });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0]).toEqual(JSON.parse(input.rawBody));
  });

  it.each([
    ['a Uint8Array', (s: string) => new TextEncoder().encode(s)],
    ['a Buffer', (s: string) => Buffer.from(s)],
    ['an ArrayBuffer', (s: string) => new TextEncoder().encode(s).buffer],
    ['a string', (s: string) => s],
  ])('accepts the raw body as %s', async (_name, convert) => {
    const receiver = receiverWith();
    const handler = vi.fn();
    receiver.on('eval.completed', handler);
    const input = delivery('eval.completed', sampleData('eval.completed'));
    const result = await receiver.receive({ ...input, rawBody: convert(input.rawBody) });
    expect(result.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('reads headers from a fetch Headers object', async () => {
    const receiver = receiverWith();
    const handler = vi.fn();
    receiver.on('eval.failed', handler);
    const input = delivery('eval.failed', {});
    const result = await receiver.receive({ rawBody: input.rawBody, headers: new Headers(input.headers as never) });
    expect(result.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('reads headers from a plain record whose keys are not lower-cased', async () => {
    const receiver = receiverWith();
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    const result = await receiver.receive({
      rawBody: input.rawBody,
      headers: { 'Content-Type': 'application/json', 'X-Armalo-Signature': signature },
    });
    expect(result.status).toBe(200);
  });

  it('accepts a missing Content-Type and any JSON content type', async () => {
    for (const contentType of [
      undefined,
      'application/json; charset=UTF-8',
      'Application/JSON',
      'application/vnd.armalo+json',
    ]) {
      const input = delivery('eval.failed', {});
      const headers: Record<string, string | string[]> = { 'x-armalo-signature': input.headers['x-armalo-signature']! };
      if (contentType !== undefined) headers['content-type'] = contentType;
      const result = await receiverWith().receive({ rawBody: input.rawBody, headers });
      expect(result.status, String(contentType)).toBe(200);
    }
  });

  it('accepts method POST in any case, and Content-Encoding identity', async () => {
    const input = delivery('eval.failed', {});
    expect((await receiverWith().receive({ ...input, method: 'post' })).status).toBe(200);
    const identity = delivery('eval.failed', { n: 1 });
    identity.headers['content-encoding'] = 'identity';
    expect((await receiverWith().receive({ ...identity, method: 'POST' })).status).toBe(200);
  });
});

describe('receive(): the error table', () => {
  it('405 METHOD_NOT_ALLOWED with Allow: POST when a method is given', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    for (const method of ['GET', 'PUT', 'HEAD']) {
      const result = await receiver.receive({ ...delivery('eval.failed', {}), method });
      expectError(result, 405, 'METHOD_NOT_ALLOWED');
      expect(result.headers.allow).toBe('POST');
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for a non-JSON content type', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'text/json']) {
      const input = delivery('eval.failed', {});
      input.headers['content-type'] = contentType;
      expectError(await receiverWith().receive(input), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for Content-Encoding gzip (the signature covers the uncompressed bytes)', async () => {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const input = delivery('eval.failed', {});
      input.headers['content-encoding'] = encoding;
      const result = await receiverWith().receive(input);
      expectError(result, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect((result.body as { error: string }).error).toMatch(/Content-Encoding/);
    }
  });

  it('413 PAYLOAD_TOO_LARGE past maxBodyBytes, with the limit in details', async () => {
    const input = delivery('eval.failed', { padding: 'x'.repeat(200) });
    const size = Buffer.byteLength(input.rawBody);
    const handler = vi.fn();
    const over = receiverWith({ maxBodyBytes: size - 1 }).onAny(handler);
    const result = await over.receive(input);
    expectError(result, 413, 'PAYLOAD_TOO_LARGE');
    expect(result.body).toMatchObject({ details: { limit: size - 1 } });
    expect(handler).not.toHaveBeenCalled();
    expect((await receiverWith({ maxBodyBytes: size }).receive(input)).status).toBe(200);
  });

  it('413 from a declared Content-Length before looking at the body, closing the connection', async () => {
    const input = delivery('eval.failed', {});
    input.headers['content-length'] = '2048';
    const result = await receiverWith({ maxBodyBytes: 1024 }).receive(input);
    expectError(result, 413, 'PAYLOAD_TOO_LARGE');
    expect(result.headers.connection).toBe('close');
  });

  it('the size limit counts bytes, not characters', async () => {
    const input = delivery('eval.failed', { note: '🚀'.repeat(10) });
    const chars = input.rawBody.length;
    const bytes = Buffer.byteLength(input.rawBody);
    expect(bytes).toBeGreaterThan(chars);
    expectError(await receiverWith({ maxBodyBytes: chars }).receive(input), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('401 MISSING_SIGNATURE', async () => {
    const input = delivery('eval.failed', {});
    delete input.headers['x-armalo-signature'];
    expectError(await receiverWith().receive(input), 401, 'MISSING_SIGNATURE');
  });

  it('401 MALFORMED_SIGNATURE for bad length, non-hex, two values and comma-joined repeats', async () => {
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    for (const header of [
      signature.slice(1),
      `${signature}0`,
      `${signature.slice(1)}g`,
      [signature, signature],
      `${signature}, ${signature}`,
      `sha256=${signature}`,
    ]) {
      const result = await receiverWith().receive({
        ...input,
        headers: { ...input.headers, 'x-armalo-signature': header },
      });
      expectError(result, 401, 'MALFORMED_SIGNATURE');
    }
  });

  it('401 MALFORMED_SIGNATURE for a repeated header in a fetch Headers (joined with ", ")', async () => {
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('x-armalo-signature', signature);
    headers.append('x-armalo-signature', signature);
    expectError(await receiverWith().receive({ rawBody: input.rawBody, headers }), 401, 'MALFORMED_SIGNATURE');
  });

  it('401 INVALID_SIGNATURE for another secret, a changed body, and a signature over the re-serialized JSON', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    expectError(
      await receiver.receive(delivery('eval.failed', {}, { secret: 'whsec_someone_else' })),
      401,
      'INVALID_SIGNATURE',
    );
    const input = delivery('eval.failed', { amount: 1 });
    expectError(
      await receiver.receive({ ...input, rawBody: input.rawBody.replace('"amount":1', '"amount":2') }),
      401,
      'INVALID_SIGNATURE',
    );
    const pretty = JSON.stringify(JSON.parse(input.rawBody), null, 2);
    expectError(await receiver.receive({ ...input, rawBody: pretty }), 401, 'INVALID_SIGNATURE');
    expect(handler).not.toHaveBeenCalled();
  });

  it('accepts an upper-case, whitespace-padded signature', async () => {
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    const result = await receiverWith().receive({
      ...input,
      headers: { ...input.headers, 'x-armalo-signature': `  ${signature.toUpperCase()}\t` },
    });
    expect(result.status).toBe(200);
  });

  it('401 TIMESTAMP_OUT_OF_TOLERANCE with the window in details', async () => {
    const result = await receiverWith().receive(
      delivery('eval.failed', {}, { timestamp: new Date(Date.now() - DEFAULT_PAST_MS - 60_000) }),
    );
    expectError(result, 401, 'TIMESTAMP_OUT_OF_TOLERANCE');
    expect(result.body).toMatchObject({ details: { pastMs: DEFAULT_PAST_MS, futureMs: DEFAULT_FUTURE_MS } });
  });

  it('400 INVALID_JSON for a signed body that is not JSON', async () => {
    for (const body of ['not json', '{"event":', '', '\u0000']) {
      expectError(await receiverWith().receive(rawDelivery(body)), 400, 'INVALID_JSON');
    }
  });

  it('400 INVALID_JSON for signed bytes that are not UTF-8 (after the signature passed over the bytes)', async () => {
    const v = vector('non-utf8');
    const receiver = createWebhookReceiver({ secret: vectors.secrets[0], tolerance: false, logger: silentLogger() });
    const result = await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[0] } });
    expectError(result, 400, 'INVALID_JSON');
    expect(result.meta.secretIndex).toBe(0);
  });

  it.each([
    ['no event', { timestamp: '2026-03-16T10:05:00.000Z', data: {} }],
    ['an empty event name', { event: '', timestamp: '2026-03-16T10:05:00.000Z', data: {} }],
    ['a numeric event', { event: 1, timestamp: '2026-03-16T10:05:00.000Z', data: {} }],
    ['no timestamp', { event: 'eval.failed', data: {} }],
    ['a timestamp that is not ISO-8601', { event: 'eval.failed', timestamp: 'March 16, 2026', data: {} }],
    ['an epoch-number timestamp', { event: 'eval.failed', timestamp: 1773655500000, data: {} }],
    ['an impossible date', { event: 'eval.failed', timestamp: '2026-02-30T10:00:00Z', data: {} }],
    ['no data', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z' }],
    ['data null', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z', data: null }],
    ['data an array', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z', data: [] }],
    ['data a string', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z', data: 'x' }],
    ['a JSON array', [1, 2]],
    ['a JSON string', 'score.changed'],
    ['JSON null', null],
  ])('400 INVALID_ENVELOPE for %s', async (_name, envelope) => {
    const handler = vi.fn();
    const receiver = receiverWith({ tolerance: false }).onAny(handler).onUnknown(handler);
    const result = await receiver.receive(rawDelivery(JSON.stringify(envelope)));
    expectError(result, 400, 'INVALID_ENVELOPE');
    expect((result.body as { details?: { issues?: unknown[] } }).details?.issues?.length).toBeGreaterThan(0);
    expect(handler).not.toHaveBeenCalled();
  });

  it('422 INVALID_EVENT_DATA for score.changed without compositeScore, naming the field', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const { compositeScore: _omitted, ...data } = sampleData('score.changed');
    const result = await receiver.receive(delivery('score.changed', data));
    expectError(result, 422, 'INVALID_EVENT_DATA');
    expect(result.body).toMatchObject({
      details: { event: 'score.changed', issues: [expect.objectContaining({ path: 'compositeScore' })] },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['compositeScore as a string', { ...sampleData('score.changed'), compositeScore: '862' }, 'compositeScore'],
    [
      'a missing dimension',
      { ...sampleData('score.changed'), dimensions: { ...sampleData('score.changed').dimensions, safety: undefined } },
      'dimensions.safety',
    ],
  ])('422 INVALID_EVENT_DATA for %s', async (_name, data, path) => {
    const result = await receiverWith().receive(delivery('score.changed', data));
    expectError(result, 422, 'INVALID_EVENT_DATA');
    expect(result.body).toMatchObject({ details: { issues: [expect.objectContaining({ path })] } });
  });

  it('422 INVALID_EVENT_DATA for eval.completed with passed as a string', async () => {
    const result = await receiverWith().receive(
      delivery('eval.completed', { ...sampleData('eval.completed'), passed: 'true' }),
    );
    expectError(result, 422, 'INVALID_EVENT_DATA');
  });

  it('accepts undocumented events with any data object, requiring no field', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('pact.violated', handler);
    expect((await receiver.receive(delivery('pact.violated', {}))).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('400 UNKNOWN_EVENT when unknownEvents is reject', async () => {
    const unknown = vi.fn();
    const receiver = receiverWith({ unknownEvents: 'reject' }).onUnknown(unknown);
    const result = await receiver.receive(delivery('brand.new_event', { a: 1 }));
    expectError(result, 400, 'UNKNOWN_EVENT');
    expect(result.body).toMatchObject({ details: { event: 'brand.new_event' } });
    expect(unknown).not.toHaveBeenCalled();
  });

  it('acknowledges an unknown event by default and calls the onUnknown hook, not onAny', async () => {
    const unknown = vi.fn();
    const any = vi.fn();
    const receiver = receiverWith().onUnknown(unknown).onAny(any);
    const input = delivery('brand.new_event', { a: 1, nested: { b: [1, 2] } });
    const result = await receiver.receive(input);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ok: true });
    expect(result.meta).toMatchObject({ event: 'brand.new_event', unknownEvent: true });
    expect(unknown).toHaveBeenCalledTimes(1);
    expect(unknown.mock.calls[0]![0]).toEqual(JSON.parse(input.rawBody));
    expect(any).not.toHaveBeenCalled();
  });

  it('an unknown event is not made known by an inherited property name', async () => {
    const unknown = vi.fn();
    const receiver = receiverWith().onUnknown(unknown);
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect((await receiver.receive(delivery(name, {}))).status).toBe(200);
    }
    expect(unknown).toHaveBeenCalledTimes(4);
  });

  it('409 DELIVERY_IN_PROGRESS with Retry-After rounded up from the store answer', async () => {
    const claim = vi.fn(async (): Promise<Claim> => ({ status: 'in-flight', retryAfterMs: 2_500 }));
    const store: IdempotencyStore = { claim, complete: vi.fn(), release: vi.fn() };
    const handler = vi.fn();
    const receiver = receiverWith({ idempotency: { store } }).onAny(handler);
    const result = await receiver.receive(delivery('eval.failed', {}));
    expectError(result, 409, 'DELIVERY_IN_PROGRESS');
    expect(result.headers['retry-after']).toBe('3');
    expect(handler).not.toHaveBeenCalled();
  });

  it('409 Retry-After falls back to the lease when the store gives no hint, and is at least 1 s', async () => {
    const noHint: IdempotencyStore = {
      claim: async () => ({ status: 'in-flight' }),
      complete: vi.fn(),
      release: vi.fn(),
    };
    const result = await receiverWith({ idempotency: { store: noHint, leaseMs: 42_000 } }).receive(
      delivery('eval.failed', {}),
    );
    expect(result.headers['retry-after']).toBe('42');
    const tiny: IdempotencyStore = {
      claim: async () => ({ status: 'in-flight', retryAfterMs: 1 }),
      complete: vi.fn(),
      release: vi.fn(),
    };
    const result2 = await receiverWith({ idempotency: { store: tiny } }).receive(delivery('eval.failed', {}));
    expect(result2.headers['retry-after']).toBe('1');
  });

  it('500 HANDLER_FAILED: onError is called, the key is released, and the retry is processed', async () => {
    const store = spyStore();
    const onError = vi.fn();
    const handler = vi.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(undefined);
    const receiver = receiverWith({ idempotency: { store }, onError }).on('eval.failed', handler);
    const input = delivery('eval.failed', {});
    const key = sha256(input.rawBody);

    const failed = await receiver.receive(input);
    expectError(failed, 500, 'HANDLER_FAILED');
    expect(JSON.stringify(failed.body)).not.toContain('database down');
    expect(onError).toHaveBeenCalledTimes(1);
    const [error, info] = onError.mock.calls[0]!;
    expect(isWebhookError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'HANDLER_FAILED', status: 500 });
    expect((error as Error).cause).toEqual(new Error('database down'));
    expect(info).toEqual({ event: 'eval.failed', idempotencyKey: key });
    expect(store.release).toHaveBeenCalledTimes(1);
    const token = (await store.claim.mock.results[0]!.value) as { token: string };
    expect(store.release).toHaveBeenCalledWith(key, token.token);
    expect(store.complete).not.toHaveBeenCalled();
    expect(failed.meta.error).toBe(error);

    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('500 HANDLER_FAILED for a synchronous throw, logged when there is no onError', async () => {
    const logger = silentLogger();
    const receiver = createWebhookReceiver({ secret: SECRET, logger }).on('eval.failed', () => {
      throw new TypeError('boom');
    });
    expectError(await receiver.receive(delivery('eval.failed', {})), 500, 'HANDLER_FAILED');
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
    expectError(await receiver.receive(delivery('eval.failed', {})), 500, 'HANDLER_FAILED');
    expect(logger.error).toHaveBeenCalledWith('armalo-webhooks: onError threw', { cause: 'Error: hook broke' });
  });

  it('503 IDEMPOTENCY_STORE_UNAVAILABLE when the store fails (fail-closed, the default)', async () => {
    const onError = vi.fn();
    const store: IdempotencyStore = {
      claim: vi.fn(async () => {
        throw new Error('ECONNREFUSED');
      }),
      complete: vi.fn(),
      release: vi.fn(),
    };
    const handler = vi.fn();
    const receiver = receiverWith({ idempotency: { store }, onError }).onAny(handler);
    const input = delivery('eval.failed', {});
    const result = await receiver.receive(input);
    expectError(result, 503, 'IDEMPOTENCY_STORE_UNAVAILABLE');
    expect(result.headers['retry-after']).toBe('5');
    expect(handler).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
    expect(onError.mock.calls[0]![1]).toEqual({ event: 'eval.failed', idempotencyKey: sha256(input.rawBody) });
  });

  it('runs the handlers without dedup when the store fails and onStoreError is fail-open', async () => {
    const onError = vi.fn();
    const store: IdempotencyStore = {
      claim: async () => {
        throw new Error('ECONNREFUSED');
      },
      complete: vi.fn(),
      release: vi.fn(),
    };
    const handler = vi.fn();
    const receiver = receiverWith({ idempotency: { store, onStoreError: 'fail-open' }, onError }).onAny(handler);
    const input = delivery('eval.failed', {});
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(2);
    expect(handler.mock.calls[0]![1].idempotencyKey).toBe(sha256(input.rawBody));
    expect(onError).toHaveBeenCalledTimes(2);
    expect(store.complete).not.toHaveBeenCalled();
  });

  it('a failing complete() is reported but the delivery is still acknowledged', async () => {
    const onError = vi.fn();
    const inner = createMemoryStore();
    const store: IdempotencyStore = {
      claim: (key, lease) => inner.claim(key, lease),
      complete: async () => {
        throw new Error('write failed');
      },
      release: (key, token) => inner.release(key, token),
    };
    const result = await receiverWith({ idempotency: { store }, onError }).receive(delivery('eval.failed', {}));
    expect(result.status).toBe(200);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
  });

  it('500 INTERNAL_ERROR instead of a throw for a rawBody of the wrong type', async () => {
    const onError = vi.fn();
    const receiver = receiverWith({ onError });
    for (const rawBody of [42, null, undefined, { event: 'score.changed' }, [1, 2], new DataView(new ArrayBuffer(2))]) {
      const input = { ...delivery('eval.failed', {}), rawBody: rawBody as never };
      const result = await receiver.receive(input);
      expectError(result, 500, 'INTERNAL_ERROR');
    }
    expect(onError).toHaveBeenCalledTimes(6);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('never throws, even for a broken input object', async () => {
    const receiver = receiverWith();
    await expect(receiver.receive(undefined as never)).resolves.toMatchObject({ status: 500 });
    await expect(receiver.receive({ rawBody: '{}', headers: undefined as never })).resolves.toMatchObject({
      status: 500,
    });
    await expect(receiver.receive({ rawBody: '{}', headers: null as never })).resolves.toMatchObject({ status: 500 });
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
      expect(result.status).toBeGreaterThanOrEqual(400);
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

describe('receive(): the replay window', () => {
  const NOW = Date.parse('2026-03-16T12:00:00.000Z');
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['7 days old', NOW - DEFAULT_PAST_MS, 200],
    ['7 days and 1 ms old', NOW - DEFAULT_PAST_MS - 1, 401],
    ['a year old', NOW - 365 * DAY, 401],
    ['5 minutes ahead', NOW + DEFAULT_FUTURE_MS, 200],
    ['5 minutes and 1 ms ahead', NOW + DEFAULT_FUTURE_MS + 1, 401],
    ['a day ahead', NOW + DAY, 401],
    ['now', NOW, 200],
  ])('default window: a timestamp %s answers %i', async (_name, timestamp, status) => {
    const result = await receiverWith().receive(delivery('eval.failed', {}, { timestamp: new Date(timestamp) }));
    expect(result.status).toBe(status);
    if (status === 401) expect(result.body).toMatchObject({ code: 'TIMESTAMP_OUT_OF_TOLERANCE' });
  });

  it('compares instants, whatever the offset the timestamp is written in', async () => {
    const receiver = receiverWith({ tolerance: { pastMs: 60_000, futureMs: 60_000 } });
    // 13:30+01:30 is 12:00Z: inside; 12:00+01:00 is 11:00Z: an hour old.
    expect(
      (await receiver.receive(delivery('eval.failed', {}, { timestamp: '2026-03-16T13:30:00+01:30' }))).status,
    ).toBe(200);
    expect(
      (await receiver.receive(delivery('eval.failed', {}, { timestamp: '2026-03-16T12:00:00+01:00' }))).status,
    ).toBe(401);
  });

  it('custom pastMs and futureMs', async () => {
    const receiver = receiverWith({ tolerance: { pastMs: 10_000, futureMs: 1_000 } });
    const at = async (offset: number) =>
      (await receiver.receive(delivery('eval.failed', { offset }, { timestamp: new Date(NOW + offset) }))).status;
    expect(await at(-10_000)).toBe(200);
    expect(await at(-10_001)).toBe(401);
    expect(await at(1_000)).toBe(200);
    expect(await at(1_001)).toBe(401);
  });

  it('tolerance: false accepts any valid timestamp', async () => {
    const receiver = receiverWith({ tolerance: false });
    for (const timestamp of ['1999-01-01T00:00:00Z', '2126-03-16T12:00:00Z']) {
      expect((await receiver.receive(delivery('eval.failed', {}, { timestamp }))).status).toBe(200);
    }
  });

  it.each([
    ['an hour old', -60 * 60 * 1000, DEFAULT_PAST_MS - 60 * 60 * 1000 + DEFAULT_FUTURE_MS],
    ['just inside the window', -DEFAULT_PAST_MS, DEFAULT_FUTURE_MS],
    ['two minutes ahead', 2 * 60 * 1000, DEFAULT_PAST_MS + 2 * 60 * 1000 + DEFAULT_FUTURE_MS],
    ['exactly now', 0, DEFAULT_PAST_MS + DEFAULT_FUTURE_MS],
  ])('retains the key until the timestamp leaves the window, plus futureMs: %s', async (_name, offset, retainMs) => {
    const store = spyStore();
    const receiver = receiverWith({ idempotency: { store } });
    const input = delivery('eval.failed', {}, { timestamp: new Date(NOW + offset) });
    expect((await receiver.receive(input)).status).toBe(200);
    expect(store.complete).toHaveBeenCalledTimes(1);
    expect(store.complete.mock.calls[0]![0]).toBe(sha256(input.rawBody));
    expect(store.complete.mock.calls[0]![2]).toBe(retainMs);
  });

  it('retention follows a custom window', async () => {
    const store = spyStore();
    const receiver = receiverWith({ idempotency: { store }, tolerance: { pastMs: 10 * 60_000, futureMs: 60_000 } });
    await receiver.receive(delivery('eval.failed', {}, { timestamp: new Date(NOW - 3 * 60_000) }));
    expect(store.complete.mock.calls[0]![2]).toBe(7 * 60_000 + 60_000);
  });

  it('with tolerance: false, retention is idempotency.retainMs (default 7 days)', async () => {
    const store = spyStore();
    await receiverWith({ idempotency: { store }, tolerance: false }).receive(
      delivery('eval.failed', {}, { timestamp: '2001-01-01T00:00:00Z' }),
    );
    expect(store.complete.mock.calls[0]![2]).toBe(7 * DAY);
    const store2 = spyStore();
    await receiverWith({ idempotency: { store: store2, retainMs: 1234 }, tolerance: false }).receive(
      delivery('eval.failed', {}),
    );
    expect(store2.complete.mock.calls[0]![2]).toBe(1234);
  });

  it('a replay is deduplicated while inside the window and rejected once it has left', async () => {
    const handler = vi.fn();
    const receiver = receiverWith({ tolerance: { pastMs: 60_000, futureMs: 10_000 } }).onAny(handler);
    const input = delivery('eval.failed', {}, { timestamp: new Date(NOW - 30_000) });
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    vi.setSystemTime(NOW + 29_000);
    expect((await receiver.receive(input)).body).toEqual({ ok: true, duplicate: true });
    vi.setSystemTime(NOW + 30_001);
    expectError(await receiver.receive(input), 401, 'TIMESTAMP_OUT_OF_TOLERANCE');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('ctx.receivedAt is the time receive() started', async () => {
    const handler = vi.fn();
    await receiverWith().onAny(handler).receive(delivery('eval.failed', {}));
    expect(handler.mock.calls[0]![1].receivedAt).toEqual(new Date(NOW));
  });
});

describe('receive(): events reach handlers unchanged', () => {
  it('passes extra envelope fields and extra data fields through, never stripped', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const data = {
      ...sampleData('score.changed'),
      newField: { list: [1, 'two', null], flag: false },
      dimensions: { ...sampleData('score.changed').dimensions, novelty: 0.5 },
    };
    const input = delivery('score.changed', data, { extra: { deliveryId: 'dlv_1', apiVersion: 2 } });
    expect((await receiver.receive(input)).status).toBe(200);
    const event = handler.mock.calls[0]![0];
    expect(event).toEqual(JSON.parse(input.rawBody));
    expect(event.deliveryId).toBe('dlv_1');
    expect(event.data.newField).toEqual({ list: [1, 'two', null], flag: false });
    expect(event.data.dimensions.novelty).toBe(0.5);
  });

  it('passes eval.completed extras and undocumented event data through', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on(['eval.completed', 'escrow.released'], handler);
    const evalData = { ...sampleData('eval.completed'), durationMs: 1234 };
    const escrowData = { escrowId: 'esc_1', amount: '1.00', deep: { a: [{ b: 1 }] } };
    await receiver.receive(delivery('eval.completed', evalData));
    await receiver.receive(delivery('escrow.released', escrowData));
    expect(handler.mock.calls.map(([event]) => event.data)).toEqual([evalData, escrowData]);
  });

  it('routes legacy names with on(), data untouched', async () => {
    const handler = vi.fn();
    const unknown = vi.fn();
    const receiver = receiverWith().on('deal.accepted', handler).onUnknown(unknown);
    const data = { dealId: 'deal_1', anything: [1, { two: 2 }] };
    const result = await receiver.receive(delivery('deal.accepted', data));
    expect(result.status).toBe(200);
    expect(result.meta.unknownEvent).toBeUndefined();
    expect(handler.mock.calls[0]![0]).toMatchObject({ event: 'deal.accepted', data });
    expect(unknown).not.toHaveBeenCalled();
  });

  it('decodes multibyte UTF-8 and strips a BOM before parsing', async () => {
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: vectors.secrets, tolerance: false, logger: silentLogger() }).onAny(
      handler,
    );
    for (const name of ['emoji', 'bom', 'pretty', 'plain'] as const) {
      const v = vector(name);
      const result = await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[1] } });
      expect(result.status, name).toBe(200);
      expect(result.meta).toMatchObject({ secretIndex: 1, idempotencyKey: v.sha256 });
    }
    expect(handler.mock.calls[0]![0].data).toEqual({ agentId: 'agent_✓', note: 'café 🚀 日本語' });
    expect(handler.mock.calls[1]![0]).toEqual({
      event: 'eval.failed',
      timestamp: '2026-03-16T10:05:00.000Z',
      data: { evalId: 'eval_bom' },
    });
  });

  it('an empty signed body is INVALID_JSON', async () => {
    const v = vector('empty');
    const receiver = createWebhookReceiver({ secret: vectors.secrets[0], logger: silentLogger() });
    expectError(
      await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[0] } }),
      400,
      'INVALID_JSON',
    );
  });
});

describe('receive(): user schemas', () => {
  it('validates a catalog event with a user zod schema and hands the transformed output to the handler', async () => {
    const schemas = {
      'pact.violated': z.object({
        pactId: z.string(),
        severity: z.enum(['low', 'high']).transform((s) => s.toUpperCase()),
        at: z.string().transform((s) => new Date(s)),
      }),
    };
    const handler = vi.fn();
    const receiver = receiverWith({ schemas }).on('pact.violated', handler);
    const ok = await receiver.receive(
      delivery('pact.violated', { pactId: 'p1', severity: 'high', at: '2026-03-16T10:00:00Z' }),
    );
    expect(ok.status).toBe(200);
    expect(handler.mock.calls[0]![0].data).toEqual({
      pactId: 'p1',
      severity: 'HIGH',
      at: new Date('2026-03-16T10:00:00Z'),
    });
    const bad = await receiver.receive(delivery('pact.violated', { pactId: 'p1', severity: 'medium', at: 'x' }));
    expectError(bad, 422, 'INVALID_EVENT_DATA');
    expect(bad.body).toMatchObject({ details: { event: 'pact.violated', issues: [{ path: 'severity' }] } });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('a user schema replaces the catalog schema for that name', async () => {
    const schemas = { 'score.changed': z.looseObject({ agentId: z.string() }) };
    const handler = vi.fn();
    const receiver = receiverWith({ schemas }).on('score.changed', handler);
    expect((await receiver.receive(delivery('score.changed', { agentId: 'a', extra: 1 }))).status).toBe(200);
    expect(handler.mock.calls[0]![0].data).toEqual({ agentId: 'a', extra: 1 });
  });

  it('adds an event name the catalog does not know: routable with on() and wildcards, not "unknown"', async () => {
    const schemas = { 'billing.invoice.paid': z.object({ invoiceId: z.string(), cents: z.number().int() }) };
    const exact = vi.fn();
    const wildcard = vi.fn();
    const unknown = vi.fn();
    const receiver = receiverWith({ schemas, unknownEvents: 'reject' })
      .on('billing.invoice.paid', exact)
      .on('billing.*', wildcard)
      .onUnknown(unknown);
    const result = await receiver.receive(delivery('billing.invoice.paid', { invoiceId: 'in_1', cents: 100 }));
    expect(result.status).toBe(200);
    expect(result.meta.unknownEvent).toBeUndefined();
    expect(exact.mock.calls[0]![0].data).toEqual({ invoiceId: 'in_1', cents: 100 });
    expect(wildcard).toHaveBeenCalledTimes(1);
    expect(unknown).not.toHaveBeenCalled();
    expectError(
      await receiver.receive(delivery('billing.invoice.paid', { invoiceId: 'in_1', cents: 1.5 })),
      422,
      'INVALID_EVENT_DATA',
    );
  });

  it('awaits an async Standard Schema validator and reports its issues with path segments', async () => {
    const seen: unknown[] = [];
    const asyncSchema: StandardSchemaV1<unknown, { id: string; checked: true }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        async validate(value) {
          seen.push(value);
          await new Promise((resolve) => setTimeout(resolve, 5));
          const id = (value as { id?: unknown }).id;
          if (typeof id !== 'string') {
            return { issues: [{ message: 'id must be a string', path: [{ key: 'id' }, 0, 'deep'] }] };
          }
          return { value: { id, checked: true as const } };
        },
      },
    };
    const handler = vi.fn();
    const receiver = receiverWith({ schemas: { 'wallet.verified': asyncSchema } }).on('wallet.verified', handler);
    expect((await receiver.receive(delivery('wallet.verified', { id: 'w1' }))).status).toBe(200);
    expect(handler.mock.calls[0]![0].data).toEqual({ id: 'w1', checked: true });
    const bad = await receiver.receive(delivery('wallet.verified', { id: 7 }));
    expectError(bad, 422, 'INVALID_EVENT_DATA');
    expect(bad.body).toMatchObject({ details: { issues: [{ path: 'id.0.deep', message: 'id must be a string' }] } });
    expect(seen).toEqual([{ id: 'w1' }, { id: 7 }]);
  });
});

describe('receive(): dispatch', () => {
  it('runs handlers in registration order across on(), arrays, wildcards and onAny()', async () => {
    const calls: string[] = [];
    const record = (name: string) => async () => {
      await Promise.resolve();
      calls.push(name);
    };
    const receiver = receiverWith()
      .on('score.*', record('wildcard score.*'))
      .onAny(record('any 1'))
      .on('score.changed', record('exact'))
      .on(['eval.completed', 'score.changed'], record('array'))
      .on('eval.completed', record('eval only'))
      .onAny(record('any 2'))
      .on('score.tier_changed', record('tier only'));
    await receiver.receive(delivery('score.changed', sampleData('score.changed')));
    expect(calls).toEqual(['wildcard score.*', 'any 1', 'exact', 'array', 'any 2']);
  });

  it('a handler registered once for overlapping patterns runs once', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on(['escrow.*', 'escrow.funded', 'escrow.funded'], handler);
    await receiver.receive(delivery('escrow.funded', {}));
    expect(handler).toHaveBeenCalledTimes(1);
    await receiver.receive(delivery('escrow.expired', {}));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('the same handler registered twice runs twice', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('escrow.funded', handler).on('escrow.*', handler);
    await receiver.receive(delivery('escrow.funded', {}));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('the first failure stops the run and fails the delivery', async () => {
    const first = vi.fn();
    const second = vi.fn(async () => {
      throw new Error('nope');
    });
    const third = vi.fn();
    const receiver = receiverWith().on('eval.failed', first).onAny(second).on('eval.*', third);
    expectError(await receiver.receive(delivery('eval.failed', {})), 500, 'HANDLER_FAILED');
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(third).not.toHaveBeenCalled();
  });

  it('waits for each async handler before starting the next', async () => {
    const calls: string[] = [];
    const receiver = receiverWith()
      .onAny(async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        calls.push('slow done');
      })
      .onAny(() => {
        calls.push('second');
      });
    await receiver.receive(delivery('eval.failed', {}));
    expect(calls).toEqual(['slow done', 'second']);
  });

  it('a known event with no handler is acknowledged and its key completed', async () => {
    const store = spyStore();
    const receiver = receiverWith({ idempotency: { store } });
    const input = delivery('swarm.halted', {});
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect(store.complete).toHaveBeenCalledTimes(1);
    expect((await receiver.receive(input)).body).toEqual({ ok: true, duplicate: true });
  });

  it('gives handlers ctx: idempotency key, secret index, received-at, headers and header()', async () => {
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: [SECRET, OLD_SECRET], logger: silentLogger() }).on(
      'eval.failed',
      handler,
    );
    const input = delivery('eval.failed', {}, { secret: OLD_SECRET });
    const headers = { ...input.headers, 'x-request-id': 'req-1', 'x-multi': ['a', 'b'] };
    const before = Date.now();
    await receiver.receive({ rawBody: input.rawBody, headers, context: { custom: 1 } as never });
    const ctx = handler.mock.calls[0]![1];
    expect(ctx.idempotencyKey).toBe(sha256(input.rawBody));
    expect(ctx.secretIndex).toBe(1);
    expect(ctx.receivedAt).toBeInstanceOf(Date);
    expect(ctx.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(ctx.receivedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(ctx.headers).toBe(headers);
    expect(ctx.header('X-Request-Id')).toBe('req-1');
    expect(ctx.header('x-multi')).toBe('a, b');
    expect(ctx.header('x-absent')).toBeUndefined();
    expect(Buffer.from(ctx.rawBody).toString()).toBe(input.rawBody);
    expect(ctx.custom).toBe(1);
  });

  it('ctx.header() is case-insensitive over a fetch Headers too', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const input = delivery('eval.failed', {});
    await receiver.receive({
      rawBody: input.rawBody,
      headers: new Headers({ ...(input.headers as object), 'X-Id': '9' }),
    });
    expect(handler.mock.calls[0]![1].header('x-ID')).toBe('9');
  });
});

describe('receive(): idempotency', () => {
  it('a duplicate of a completed delivery answers 200 duplicate and runs nothing', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const input = delivery('eval.failed', {});
    const first = await receiver.receive(input);
    const second = await receiver.receive(input);
    expect(first.body).toEqual({ ok: true });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ ok: true, duplicate: true });
    expect(second.meta.duplicate).toBe(true);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('the default key is the SHA-256 of the raw bytes: a re-signed re-serialization is a new delivery', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const input = delivery('eval.failed', { a: 1 });
    await receiver.receive(input);
    await receiver.receive(rawDelivery(JSON.stringify(JSON.parse(input.rawBody), null, 1)));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('a custom key function decides what a duplicate is', async () => {
    const handler = vi.fn();
    const key = vi.fn(
      (event: { event: string; data: Record<string, unknown> }, _rawBody: Uint8Array) =>
        `${event.event}:${event.data.evalId}`,
    );
    const receiver = receiverWith({ idempotency: { key } }).onAny(handler);
    const a = delivery('eval.failed', { evalId: 'e1', attempt: 1 });
    const b = delivery('eval.failed', { evalId: 'e1', attempt: 2 });
    const c = delivery('eval.failed', { evalId: 'e2' });
    expect((await receiver.receive(a)).meta.idempotencyKey).toBe('eval.failed:e1');
    expect((await receiver.receive(b)).body).toEqual({ ok: true, duplicate: true });
    expect((await receiver.receive(c)).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(2);
    expect(handler.mock.calls.map(([, ctx]) => ctx.idempotencyKey)).toEqual(['eval.failed:e1', 'eval.failed:e2']);
    expect(key.mock.calls[0]![1]).toBeInstanceOf(Uint8Array);
  });

  it('an async key function is awaited', async () => {
    const receiver = receiverWith({ idempotency: { key: async (event) => `k:${event.event}` } });
    expect((await receiver.receive(delivery('eval.failed', {}))).meta.idempotencyKey).toBe('k:eval.failed');
  });

  it('idempotency: false runs every delivery and ctx.idempotencyKey is undefined', async () => {
    const handler = vi.fn();
    const receiver = receiverWith({ idempotency: false }).onAny(handler);
    const input = delivery('eval.failed', {});
    await receiver.receive(input);
    await receiver.receive(input);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(handler.mock.calls[0]![1].idempotencyKey).toBeUndefined();
  });

  it('passes the configured lease to claim()', async () => {
    const store = spyStore();
    await receiverWith({ idempotency: { store, leaseMs: 12_345 } }).receive(delivery('eval.failed', {}));
    expect(store.claim).toHaveBeenCalledWith(expect.any(String), 12_345);
  });

  it('unknown events are deduplicated too', async () => {
    const unknown = vi.fn();
    const receiver = receiverWith().onUnknown(unknown);
    const input = delivery('future.event', {});
    await receiver.receive(input);
    expect((await receiver.receive(input)).body).toEqual({ ok: true, duplicate: true });
    expect(unknown).toHaveBeenCalledTimes(1);
  });
});

describe('createWebhookReceiver options', () => {
  it.each([
    ['maxBodyBytes', { maxBodyBytes: 0 }],
    ['maxBodyBytes', { maxBodyBytes: Number.POSITIVE_INFINITY }],
    ['bodyTimeoutMs', { bodyTimeoutMs: -1 }],
    ['maxConcurrentBodies', { maxConcurrentBodies: Number.NaN }],
    ['tolerance.pastMs', { tolerance: { pastMs: 0 } }],
    ['tolerance.futureMs', { tolerance: { futureMs: -5 } }],
    ['idempotency.leaseMs', { idempotency: { leaseMs: 0 } }],
    ['idempotency.retainMs', { idempotency: { retainMs: '1' as unknown as number } }],
  ])('throws a RangeError naming %s', (name, options) => {
    expect(() => createWebhookReceiver({ secret: SECRET, ...options })).toThrow(new RegExp(name.replace('.', '\\.')));
    expect(() => createWebhookReceiver({ secret: SECRET, ...options })).toThrow(RangeError);
  });

  it('throws on a missing or whitespace-padded secret', () => {
    expect(() => createWebhookReceiver({ secret: '' })).toThrow(TypeError);
    expect(() => createWebhookReceiver({ secret: `${SECRET}\n` })).toThrow(/whitespace/);
  });

  it('exposes the limits adapters need', () => {
    const receiver = createWebhookReceiver({ secret: SECRET, maxBodyBytes: 10, bodyTimeoutMs: 20 });
    expect(receiver.maxBodyBytes).toBe(10);
    expect(receiver.bodyTimeoutMs).toBe(20);
    expect(createWebhookReceiver({ secret: SECRET }).maxBodyBytes).toBe(1024 * 1024);
  });
});

describe('adapter helpers on the receiver', () => {
  it('checkRequest answers 405/415/413 without a body and undefined otherwise', () => {
    const receiver = receiverWith({ maxBodyBytes: 100 });
    expect(receiver.checkRequest({ method: 'GET', headers: {} })?.status).toBe(405);
    expect(receiver.checkRequest({ method: 'POST', headers: { 'content-type': 'text/html' } })?.status).toBe(415);
    expect(receiver.checkRequest({ method: 'POST', headers: { 'content-length': '101' } })?.status).toBe(413);
    expect(receiver.checkRequest({ method: 'POST', headers: { 'content-length': '100' } })).toBeUndefined();
    expect(receiver.checkRequest({ headers: { 'content-type': 'application/json' } })).toBeUndefined();
  });

  it('errorResult logs RAW_BODY_UNAVAILABLE once per receiver', () => {
    const logger = silentLogger();
    const receiver = createWebhookReceiver({ secret: SECRET, logger });
    const result = receiver.errorResult('RAW_BODY_UNAVAILABLE', { message: 'mount it before express.json()' });
    receiver.errorResult('RAW_BODY_UNAVAILABLE', { message: 'mount it before express.json()' });
    expectError(result, 500, 'RAW_BODY_UNAVAILABLE');
    expect(result.body).toMatchObject({ error: 'mount it before express.json()' });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('errorResult for PAYLOAD_TOO_LARGE carries the limit and the headers asked for', () => {
    const receiver = receiverWith({ maxBodyBytes: 64 });
    const result = receiver.errorResult('PAYLOAD_TOO_LARGE', { headers: { connection: 'close' } });
    expectError(result, 413, 'PAYLOAD_TOO_LARGE');
    expect(result.body).toMatchObject({ details: { limit: 64 } });
    expect(result.headers.connection).toBe('close');
  });

  it('acquireBodySlot hands out maxConcurrentBodies slots and takes each back once', () => {
    const receiver = receiverWith({ maxConcurrentBodies: 2 });
    const a = receiver.acquireBodySlot();
    const b = receiver.acquireBodySlot();
    expect(a).toBeTypeOf('function');
    expect(b).toBeTypeOf('function');
    expect(receiver.acquireBodySlot()).toBeUndefined();
    a!();
    a!();
    const c = receiver.acquireBodySlot();
    expect(c).toBeTypeOf('function');
    expect(receiver.acquireBodySlot()).toBeUndefined();
  });
});

describe('misbehaving user code and odd inputs still get a clear answer', () => {
  it('a throwing idempotency key function answers 500 INTERNAL_ERROR, not a store outage, and runs nothing', async () => {
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
    expectError(await webhooks.receive(delivery('eval.failed', {})), 500, 'INTERNAL_ERROR');
    expect(handler).not.toHaveBeenCalled();
    expect(onError.mock.calls[0]?.[0].code).toBe('INTERNAL_ERROR');
  });

  it('a key function returning an empty string answers 500 INTERNAL_ERROR', async () => {
    const webhooks = receiverWith({ idempotency: { key: () => '' } });
    expectError(await webhooks.receive(delivery('eval.failed', {})), 500, 'INTERNAL_ERROR');
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
    expectError(await webhooks.receive(delivery('eval.failed', {})), 500, 'HANDLER_FAILED');
  });

  it('a signature header array holding a non-string is MALFORMED_SIGNATURE', async () => {
    const input = delivery('eval.failed', {});
    const headers = { ...input.headers, 'x-armalo-signature': [42] as unknown as string[] };
    expectError(await receiverWith().receive({ ...input, headers }), 401, 'MALFORMED_SIGNATURE');
  });

  it('a bodyTimeoutMs past what setTimeout can hold is refused at creation', () => {
    expect(() => receiverWith({ bodyTimeoutMs: 2 ** 31 })).toThrow(RangeError);
  });
});
