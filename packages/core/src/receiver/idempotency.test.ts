import { describe, expect, it, vi } from 'vitest';
import {
  delivery,
  expectCode,
  keyFor,
  rawDelivery,
  receiverWith,
  SECRET,
  scopeOf,
  sha256,
  spyStore,
} from '../fixtures/receiver.js';
import { type Claim, createMemoryStore, type IdempotencyStore, isWebhookError } from '../index.js';
import { sign } from '../testing/index.js';

describe('receive(): idempotency', () => {
  it('a duplicate of a completed delivery is acknowledged as a duplicate and runs nothing', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const input = delivery('eval.failed', {});
    const first = await receiver.receive(input);
    const second = await receiver.receive(input);
    expect(first.body).toEqual({ ok: true });
    expect(second.body).toEqual({ ok: true, duplicate: true });
    expect(second.meta.duplicate).toBe(true);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('the default key identifies the raw bytes (their signature): a re-signed re-serialization is a new delivery', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const input = delivery('eval.failed', { a: 1 });
    await receiver.receive(input);
    const again = rawDelivery(JSON.stringify(JSON.parse(input.rawBody), null, 1));
    expect((await receiver.receive(again)).meta.idempotencyKey).toBe(keyFor(again.rawBody));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('the default key is the first 128 bits of the signature, under the scope of the secret that verified it', async () => {
    const input = delivery('eval.failed', { b: 2 });
    const signature = String(input.headers['x-armalo-signature']);
    const result = await receiverWith().receive({
      ...input,
      headers: { ...input.headers, 'x-armalo-signature': signature.toUpperCase() },
    });
    expect(result.meta.idempotencyKey).toBe(`${scopeOf(SECRET)}:${signature.slice(0, 32)}`);
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
    expect((await receiver.receive(a)).meta.idempotencyKey).toBe(`${scopeOf(SECRET)}:eval.failed:e1`);
    expect((await receiver.receive(b)).body).toEqual({ ok: true, duplicate: true });
    expect((await receiver.receive(c)).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(2);
    expect(handler.mock.calls.map(([, ctx]) => ctx.idempotencyKey)).toEqual([
      `${scopeOf(SECRET)}:eval.failed:e1`,
      `${scopeOf(SECRET)}:eval.failed:e2`,
    ]);
    expect(key.mock.calls[0]![1]).toBeInstanceOf(Uint8Array);
  });

  it('an async key function is awaited', async () => {
    const receiver = receiverWith({ idempotency: { key: async (event) => `k:${event.event}` } });
    expect((await receiver.receive(delivery('eval.failed', {}))).meta.idempotencyKey).toBe(
      `${scopeOf(SECRET)}:k:eval.failed`,
    );
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

describe('receive(): claim, run, settle', () => {
  it('an in-flight claim answers DELIVERY_IN_PROGRESS with Retry-After rounded up from the store answer', async () => {
    const claim = vi.fn(async (): Promise<Claim> => ({ status: 'in-flight', retryAfterMs: 2_500 }));
    const store: IdempotencyStore = { claim, complete: vi.fn(), release: vi.fn() };
    const handler = vi.fn();
    const receiver = receiverWith({ idempotency: { store } }).onAny(handler);
    const result = await receiver.receive(delivery('eval.failed', {}));
    expectCode(result, 'DELIVERY_IN_PROGRESS');
    expect(result.headers['retry-after']).toBe('3');
    expect(handler).not.toHaveBeenCalled();
  });

  it('Retry-After falls back to the lease when the store gives no hint, and is at least 1 s', async () => {
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

  it('a failed handler: onError is called, the key is released, and the retry is processed', async () => {
    const store = spyStore();
    const onError = vi.fn();
    const handler = vi.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(undefined);
    const receiver = receiverWith({ idempotency: { store }, onError }).on('eval.failed', handler);
    const input = delivery('eval.failed', {});
    const key = keyFor(input.rawBody);

    const failed = await receiver.receive(input);
    expectCode(failed, 'HANDLER_FAILED');
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

  it('a failing store answers IDEMPOTENCY_STORE_UNAVAILABLE (fail-closed, the default)', async () => {
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
    expectCode(result, 'IDEMPOTENCY_STORE_UNAVAILABLE');
    expect(result.headers['retry-after']).toBe('5');
    expect(handler).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
    expect(onError.mock.calls[0]![1]).toEqual({ event: 'eval.failed', idempotencyKey: keyFor(input.rawBody) });
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
    expect(handler.mock.calls[0]![1].idempotencyKey).toBe(keyFor(input.rawBody));
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
    expect(result.body).toEqual({ ok: true });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
  });
});

describe('receive(): keys are scoped per receiver', () => {
  const body = JSON.stringify({ event: 'eval.failed', timestamp: new Date().toISOString(), data: { n: 1 } });
  const signedBy = (secret: string) => ({
    rawBody: body,
    headers: { 'content-type': 'application/json', 'x-armalo-signature': sign(body, secret) },
  });

  it('two receivers with different secrets sharing one store each handle a byte-identical body', async () => {
    const store = createMemoryStore();
    const a = vi.fn();
    const b = vi.fn();
    const accountA = receiverWith({ secret: 'whsec_account_a', idempotency: { store } }).onAny(a);
    const accountB = receiverWith({ secret: 'whsec_account_b', idempotency: { store } }).onAny(b);
    expect((await accountA.receive(signedBy('whsec_account_a'))).body).toEqual({ ok: true });
    expect((await accountB.receive(signedBy('whsec_account_b'))).body).toEqual({ ok: true });
    expect((await accountB.receive(signedBy('whsec_account_b'))).body).toEqual({ ok: true, duplicate: true });
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 1]);
  });

  it('a fixed idempotency.scope makes receivers share keys (one account across a secret rotation)', async () => {
    const store = createMemoryStore();
    const handler = vi.fn();
    const before = receiverWith({ secret: 'whsec_old', idempotency: { store, scope: 'acme' } }).onAny(handler);
    const after = receiverWith({ secret: 'whsec_new', idempotency: { store, scope: 'acme' } }).onAny(handler);
    expect((await before.receive(signedBy('whsec_old'))).meta.idempotencyKey).toBe(`acme:${sha256(body)}`);
    expect((await after.receive(signedBy('whsec_new'))).body).toEqual({ ok: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('receive(): the receiver times store calls', () => {
  it('a claim that arrives after idempotency.timeoutMs is released: the retry is claimed, not in flight', async () => {
    const inner = createMemoryStore();
    let delayMs = 60;
    const store = spyStore(inner);
    store.claim.mockImplementation(
      (key, leaseMs) =>
        new Promise((resolve) => setTimeout(() => resolve(inner.claim(key, leaseMs)), delayMs)) as never,
    );
    const handler = vi.fn();
    const receiver = receiverWith({ idempotency: { store, timeoutMs: 20 } }).onAny(handler);
    const input = delivery('eval.failed', {});
    expectCode(await receiver.receive(input), 'IDEMPOTENCY_STORE_UNAVAILABLE');
    await vi.waitFor(() => expect(store.release).toHaveBeenCalledTimes(1));
    delayMs = 0;
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
