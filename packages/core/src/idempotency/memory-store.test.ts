import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWebhookReceiver } from '../receiver/receiver.js';
import { createSignedDelivery } from '../testing/index.js';
import { createMemoryStore } from './memory-store.js';

function silentLogger() {
  return { warn: vi.fn(), error: vi.fn() };
}

function clockedStore(options: { maxEntries?: number; logger?: ReturnType<typeof silentLogger> } = {}) {
  const clock = { now: 1_000 };
  const store = createMemoryStore({ now: () => clock.now, logger: options.logger ?? silentLogger(), ...options });
  return { store, clock };
}

async function claimToken(store: ReturnType<typeof createMemoryStore>, key: string, leaseMs = 1_000) {
  const claim = await store.claim(key, leaseMs);
  if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
  return claim.token;
}

describe('createMemoryStore', () => {
  it('reads the clock once per step, plain or guarded (a reading costs about as much as the rest of the step)', () => {
    let readings = 0;
    const store = createMemoryStore({ now: () => ++readings * 1_000, logger: silentLogger() });
    readings = 0; // creating the store read its epoch
    const mark = { key: 'scope:agent-1', timestampMs: 5_000 };
    const guarded = store.freshness?.claim('scope:d1', 60_000, mark);
    if (guarded === undefined || guarded instanceof Promise || guarded.status !== 'claimed')
      throw new Error('no claim');
    expect(readings).toBe(1);
    expect(store.freshness?.complete('scope:d1', guarded.token, 60_000, mark)).toBe(true);
    expect(readings).toBe(2);
    const plain = store.claim('scope:d2', 60_000);
    if (plain instanceof Promise || plain.status !== 'claimed') throw new Error('no claim');
    expect(readings).toBe(3);
    store.complete('scope:d2', plain.token, 60_000);
    expect(readings).toBe(4);
    // The same instant for the delivery key and the watermark: a lease of both ends together.
    expect(store.freshness?.claim('scope:d3', 60_000, { ...mark, timestampMs: 6_000 })).toMatchObject({
      status: 'claimed',
      watermarkMs: 5_000,
    });
  });

  it('claims a new key, answers in-flight while leased, duplicate once completed', async () => {
    const { store, clock } = clockedStore();
    const first = await store.claim('k', 1_000);
    expect(first).toEqual({ status: 'claimed', token: expect.any(String) });
    clock.now += 400;
    expect(await store.claim('k', 1_000)).toEqual({ status: 'in-flight', retryAfterMs: 600 });
    await store.complete('k', (first as { token: string }).token, 60_000);
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
    expect(store.size).toBe(1);
  });

  it('keys are independent', async () => {
    const { store } = clockedStore();
    await claimToken(store, 'a');
    expect((await store.claim('b', 1_000)).status).toBe('claimed');
    expect(store.size).toBe(2);
  });

  it('tokens are unique per claim', async () => {
    const { store, clock } = clockedStore();
    const a = await claimToken(store, 'k', 10);
    clock.now += 10;
    const b = await claimToken(store, 'k', 10);
    const c = await claimToken(store, 'other', 10);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('a lease expires: a retry can claim the key after leaseMs', async () => {
    const { store, clock } = clockedStore();
    await claimToken(store, 'k', 1_000);
    clock.now += 999;
    expect(await store.claim('k', 1_000)).toEqual({ status: 'in-flight', retryAfterMs: 1 });
    clock.now += 1;
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
  });

  it('release frees the key for the next claim', async () => {
    const { store } = clockedStore();
    const token = await claimToken(store, 'k');
    await store.release('k', token);
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
  });

  it('complete and release act only for the token that owns the key', async () => {
    const { store, clock } = clockedStore();
    const stale = await claimToken(store, 'k', 1_000);
    clock.now += 1_000;
    const fresh = await claimToken(store, 'k', 1_000);

    await store.release('k', stale);
    expect((await store.claim('k', 1_000)).status).toBe('in-flight');
    await store.complete('k', stale, 60_000);
    expect((await store.claim('k', 1_000)).status).toBe('in-flight');
    await store.complete('k', 'not-a-token', 60_000);
    expect((await store.claim('k', 1_000)).status).toBe('in-flight');

    await store.complete('k', fresh, 60_000);
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
    // A completed key cannot be released by its old token either.
    await store.release('k', fresh);
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
  });

  it('complete or release of a key never claimed is a no-op', async () => {
    const { store } = clockedStore();
    await store.complete('ghost', '1', 60_000);
    await store.release('ghost', '1');
    expect(store.size).toBe(0);
    expect((await store.claim('ghost', 1_000)).status).toBe('claimed');
  });

  it('a completed key is kept for at least retainMs, then forgotten', async () => {
    const { store, clock } = clockedStore();
    clock.now += 300; // not on a whole second of the store's clock
    const token = await claimToken(store, 'k');
    await store.complete('k', token, 1_500);
    clock.now += 1_499;
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
    clock.now += 1_001; // retention ended (granularity is one second)
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
  });

  it.each([1, 999, 1_000, 1_001, 2_500])('never forgets a key before its retention of %i ms', async (retainMs) => {
    for (const start of [0, 1, 499, 999]) {
      const { store, clock } = clockedStore();
      clock.now += start;
      const token = await claimToken(store, 'k');
      await store.complete('k', token, retainMs);
      clock.now += retainMs - 1;
      expect(await store.claim('k', 1_000), `start +${start}`).toEqual({ status: 'duplicate' });
      clock.now += 1_001;
      expect((await store.claim('k', 1_000)).status, `start +${start}`).toBe('claimed');
    }
  });

  it('expired keys are swept as new keys complete', async () => {
    const { store, clock } = clockedStore();
    for (const key of ['a', 'b', 'c']) await store.complete(key, await claimToken(store, key), 1_000);
    expect(store.size).toBe(3);
    clock.now += 5_000;
    await store.complete('d', await claimToken(store, 'd'), 1_000);
    expect(store.size).toBe(1);
  });

  it('the entry cap drops the key closest to the end of its retention, and warns once through its logger', async () => {
    const logger = silentLogger();
    const { store } = clockedStore({ maxEntries: 2, logger });
    const retention = { a: 60_000, b: 50_000, c: 70_000, d: 80_000 };
    for (const [key, retainMs] of Object.entries(retention)) {
      await store.complete(key, await claimToken(store, key), retainMs);
    }
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![0]).toMatch(/full \(2 keys inside their retention\)/);
    expect(store.size).toBe(2);
    expect((await store.claim('b', 1_000)).status).toBe('claimed');
    expect((await store.claim('a', 1_000)).status).toBe('claimed');
    expect(await store.claim('c', 1_000)).toEqual({ status: 'duplicate' });
    expect(await store.claim('d', 1_000)).toEqual({ status: 'duplicate' });
  });

  it('with per-delivery retention, expired keys make room before a live key, without a warning', async () => {
    const logger = silentLogger();
    const { store, clock } = clockedStore({ maxEntries: 3, logger });
    // Completed first but retained longest, as a fresh delivery is after an old retry.
    await store.complete('live', await claimToken(store, 'live'), 60_000);
    for (const key of ['old-1', 'old-2']) await store.complete(key, await claimToken(store, key), 1_000);
    clock.now += 5_000;
    await store.complete('new', await claimToken(store, 'new'), 60_000);
    // The cap was reached only because of expired keys: a replay of the live delivery is still a duplicate.
    expect(await store.claim('live', 1_000)).toEqual({ status: 'duplicate' });
    expect(logger.warn).not.toHaveBeenCalled();
    // Real overflow still drops a live key, and says so once.
    for (const key of ['x', 'y', 'z']) await store.complete(key, await claimToken(store, key), 60_000);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('does not warn when the keys pushed out had already expired', async () => {
    const logger = silentLogger();
    const { store, clock } = clockedStore({ maxEntries: 2, logger });
    for (const key of ['a', 'b']) await store.complete(key, await claimToken(store, key), 1_000);
    clock.now += 3_000;
    for (const key of ['c', 'd']) await store.complete(key, await claimToken(store, key), 1_000);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('warns through the logger of the receiver that uses it, not console.warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const logger = silentLogger();
      const store = createMemoryStore({ maxEntries: 1 });
      const receiver = createWebhookReceiver({ secret: 'whsec_capacity', logger, idempotency: { store } });
      for (const n of [1, 2, 3]) {
        const { body, headers } = createSignedDelivery('eval.failed', { n }, { secret: 'whsec_capacity' });
        expect((await receiver.receive({ rawBody: body, headers })).body).toEqual({ ok: true });
      }
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0]![0]).toMatch(/memory idempotency store is full/);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('answers synchronously, so that a claim is atomic within the process', () => {
    const { store } = clockedStore();
    const claim = store.claim('k', 1_000);
    expect(claim).not.toBeInstanceOf(Promise);
    expect(claim).toEqual({ status: 'claimed', token: expect.any(String) });
  });

  it('clear() forgets everything', async () => {
    const { store } = clockedStore();
    await store.complete('a', await claimToken(store, 'a'), 60_000);
    await claimToken(store, 'b');
    expect(store.size).toBe(2);
    store.clear();
    expect(store.size).toBe(0);
    expect((await store.claim('a', 1_000)).status).toBe('claimed');
    expect((await store.claim('b', 1_000)).status).toBe('claimed');
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxEntries %s', (maxEntries) => {
    expect(() => createMemoryStore({ maxEntries })).toThrow(RangeError);
  });
});

describe('createMemoryStore and the clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps retention on the monotonic clock: a wall-clock step forward does not expire a key', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-03-16T12:00:00Z') });
    const store = createMemoryStore({ logger: silentLogger() });
    await store.complete('k', await claimToken(store, 'k'), 60_000);
    vi.setSystemTime(Date.parse('2026-03-17T12:00:00Z'));
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
    vi.setSystemTime(Date.parse('2026-03-16T12:00:01Z'));
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
  });

  it('reads time only from the clock it is given', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    let monotonic = 5_000;
    const store = createMemoryStore({ now: () => monotonic, logger: silentLogger() });
    await store.complete('k', await claimToken(store, 'k'), 2_000);
    vi.setSystemTime(365 * 24 * 3600_000);
    expect(await store.claim('k', 1_000)).toEqual({ status: 'duplicate' });
    monotonic += 3_000;
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
  });
});
