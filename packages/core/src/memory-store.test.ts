import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from './memory-store.js';

function clockedStore(options: { maxEntries?: number; onCapacity?: (message: string) => void } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const store = createMemoryStore({ now: () => clock.now, onCapacity: options.onCapacity ?? vi.fn(), ...options });
  return { store, clock };
}

async function claimToken(store: ReturnType<typeof createMemoryStore>, key: string, leaseMs = 1_000) {
  const claim = await store.claim(key, leaseMs);
  if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
  return claim.token;
}

describe('createMemoryStore', () => {
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

  it('the entry cap drops the oldest completed key and warns once', async () => {
    const onCapacity = vi.fn();
    const { store } = clockedStore({ maxEntries: 2, onCapacity });
    for (const key of ['a', 'b', 'c', 'd']) await store.complete(key, await claimToken(store, key), 60_000);
    expect(onCapacity).toHaveBeenCalledTimes(1);
    expect(onCapacity.mock.calls[0]![0]).toMatch(/full \(2 keys\)/);
    expect(store.size).toBe(2);
    expect((await store.claim('a', 1_000)).status).toBe('claimed');
    expect((await store.claim('b', 1_000)).status).toBe('claimed');
    expect(await store.claim('c', 1_000)).toEqual({ status: 'duplicate' });
    expect(await store.claim('d', 1_000)).toEqual({ status: 'duplicate' });
  });

  it('does not warn when the keys pushed out had already expired', async () => {
    const onCapacity = vi.fn();
    const { store, clock } = clockedStore({ maxEntries: 2, onCapacity });
    for (const key of ['a', 'b']) await store.complete(key, await claimToken(store, key), 1_000);
    clock.now += 3_000;
    for (const key of ['c', 'd']) await store.complete(key, await claimToken(store, key), 1_000);
    expect(onCapacity).not.toHaveBeenCalled();
  });

  it('warns through console.warn by default', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const store = createMemoryStore({ maxEntries: 1 });
      for (const key of ['a', 'b', 'c']) {
        const claim = await store.claim(key, 1_000);
        if (claim.status === 'claimed') await store.complete(key, claim.token, 60_000);
      }
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
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
