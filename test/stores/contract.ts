import { randomUUID } from 'node:crypto';
import type {
  Claim,
  FreshnessCapability,
  FreshnessClaim,
  FreshnessMark,
  IdempotencyStore,
} from '@armalo-webhooks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { sleep } from './servers.js';

/** A store to run the contract against, and how to let time pass for it. */
export interface StoreUnderTest {
  store: IdempotencyStore;
  /** Lets `ms` pass as the store sees it (default: a real sleep). */
  elapse?: (ms: number) => Promise<void>;
  /** Retention is rounded up to this (the memory store keeps whole seconds); default 1 ms. */
  retentionGranularityMs?: number;
}

const LONG = 60_000;
/** Short enough to run out during a test, long enough to be a real lease. */
const SHORT = 40;
/** How long to wait for a SHORT lease or retention to have ended, with room for a busy machine. */
const PAST_SHORT = 150;

function expectClaimed(claim: Claim): string {
  expect(claim.status).toBe('claimed');
  if (claim.status !== 'claimed') throw new Error('unreachable');
  expect(typeof claim.token).toBe('string');
  expect(claim.token.length).toBeGreaterThan(0);
  return claim.token;
}

function tally(claims: readonly Claim[]): Record<Claim['status'], number> {
  const counts = { claimed: 0, duplicate: 0, 'in-flight': 0 };
  for (const claim of claims) counts[claim.status]++;
  return counts;
}

/**
 * The behaviour every IdempotencyStore must have, run against one store. `setup` is called
 * before each test; the tests use fresh random keys, so one backing server or table serves all.
 */
export function describeStoreContract(name: string, setup: () => StoreUnderTest | Promise<StoreUnderTest>): void {
  describe(`${name} passes the IdempotencyStore contract`, () => {
    let store: IdempotencyStore;
    let elapse: (ms: number) => Promise<void>;
    /** How long to wait for a SHORT retention to have ended. */
    let pastShortRetention: number;
    let key: string;

    beforeEach(async () => {
      const target = await setup();
      store = target.store;
      elapse = target.elapse ?? sleep;
      pastShortRetention = PAST_SHORT + (target.retentionGranularityMs ?? 1);
      key = `contract:${randomUUID()}`;
    });

    it('claims a new key, answers in-flight while the lease is held, and duplicate once completed', async () => {
      const token = expectClaimed(await store.claim(key, LONG));
      const second = await store.claim(key, LONG);
      expect(second.status).toBe('in-flight');
      if (second.status === 'in-flight') {
        expect(second.retryAfterMs).toBeGreaterThan(0);
        expect(second.retryAfterMs).toBeLessThanOrEqual(LONG);
      }
      await store.complete(key, token, LONG);
      expect(await store.claim(key, LONG)).toEqual({ status: 'duplicate' });
      expect(await store.claim(key, LONG)).toEqual({ status: 'duplicate' });
    });

    it('reports how much of the lease is left', async () => {
      await store.claim(key, LONG);
      await elapse(200);
      const claim = await store.claim(key, LONG);
      expect(claim.status).toBe('in-flight');
      if (claim.status === 'in-flight') expect(claim.retryAfterMs).toBeLessThanOrEqual(LONG - 200 + 5);
    });

    it('lets the next attempt claim after a release, with a new token', async () => {
      const first = expectClaimed(await store.claim(key, LONG));
      await store.release(key, first);
      const second = expectClaimed(await store.claim(key, LONG));
      expect(second).not.toBe(first);
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
    });

    it('keeps keys independent and accepts any string as a key', async () => {
      const keys = [
        `${key}:a`,
        `${key}:b`,
        `${key} with spaces and "quotes" and 'apostrophes'; DROP TABLE x; --`,
        `${key}:ünïcødé:🚀`,
        `${key}:${'f'.repeat(64)}`,
        `${key}:${'x'.repeat(600)}`,
        `${key}*?[]\\`,
      ];
      const tokens = [];
      for (const k of keys) tokens.push(expectClaimed(await store.claim(k, LONG)));
      expect(new Set(tokens).size).toBe(keys.length);
      for (const k of keys) expect((await store.claim(k, LONG)).status).toBe('in-flight');
      await store.complete(keys[0] as string, tokens[0] as string, LONG);
      expect((await store.claim(keys[0] as string, LONG)).status).toBe('duplicate');
      expect((await store.claim(keys[1] as string, LONG)).status).toBe('in-flight');
    });

    it('lets a retry claim the key once the lease runs out', async () => {
      const first = expectClaimed(await store.claim(key, SHORT));
      await elapse(PAST_SHORT);
      const second = expectClaimed(await store.claim(key, LONG));
      expect(second).not.toBe(first);
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
    });

    it('lets only the owner complete or release a live lease', async () => {
      const token = expectClaimed(await store.claim(key, LONG));
      await store.release(key, 'not-the-token');
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
      await store.complete(key, 'not-the-token', LONG);
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
      await store.release(key, `${token}x`);
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
      await store.complete(key, token, LONG);
      expect((await store.claim(key, LONG)).status).toBe('duplicate');
    });

    it('never lets a slow owner whose lease ran out clobber the newer claim', async () => {
      const slow = expectClaimed(await store.claim(key, SHORT));
      await elapse(PAST_SHORT);
      const fresh = expectClaimed(await store.claim(key, LONG));
      await store.complete(key, slow, LONG);
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
      await store.release(key, slow);
      expect((await store.claim(key, LONG)).status).toBe('in-flight');
      await store.complete(key, fresh, LONG);
      expect((await store.claim(key, LONG)).status).toBe('duplicate');
    });

    it('lets the owner complete after its lease ran out when nobody claimed the key since', async () => {
      const token = expectClaimed(await store.claim(key, SHORT));
      await elapse(PAST_SHORT);
      await store.complete(key, token, LONG);
      expect((await store.claim(key, LONG)).status).toBe('duplicate');
    });

    it('keeps a completed key done: a later release or complete changes nothing', async () => {
      const token = expectClaimed(await store.claim(key, LONG));
      await store.complete(key, token, LONG);
      await store.release(key, token);
      expect((await store.claim(key, LONG)).status).toBe('duplicate');
      await store.complete(key, token, 1);
      await store.complete(key, 'not-the-token', 1);
      await elapse(pastShortRetention);
      expect((await store.claim(key, LONG)).status).toBe('duplicate');
    });

    it('forgets a completed key once its retention ends', async () => {
      const token = expectClaimed(await store.claim(key, LONG));
      await store.complete(key, token, SHORT);
      await elapse(pastShortRetention);
      const again = expectClaimed(await store.claim(key, LONG));
      expect(again).not.toBe(token);
    });

    it('gives exactly one of 100 parallel claims of a new key', async () => {
      const claims = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, LONG)));
      expect(tally(claims)).toEqual({ claimed: 1, duplicate: 0, 'in-flight': 99 });
    });

    it('gives exactly one of 100 parallel claims of a key whose lease ran out', async () => {
      expectClaimed(await store.claim(key, SHORT));
      await elapse(PAST_SHORT);
      const claims = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, LONG)));
      expect(tally(claims)).toEqual({ claimed: 1, duplicate: 0, 'in-flight': 99 });
    });

    it('gives exactly one of 100 parallel claims of a key whose retention ended', async () => {
      const token = expectClaimed(await store.claim(key, LONG));
      await store.complete(key, token, SHORT);
      await elapse(pastShortRetention);
      const claims = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, LONG)));
      expect(tally(claims)).toEqual({ claimed: 1, duplicate: 0, 'in-flight': 99 });
    });

    it('answers duplicate to 100 parallel claims of a completed key', async () => {
      const token = expectClaimed(await store.claim(key, LONG));
      await store.complete(key, token, LONG);
      const claims = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, LONG)));
      expect(tally(claims)).toEqual({ claimed: 0, duplicate: 100, 'in-flight': 0 });
    });

    describe(`${name} keeps freshness watermarks (the FreshnessCapability)`, () => {
      let fresh: FreshnessCapability;
      let elapse: (ms: number) => Promise<void>;
      let mark: (timestampMs: number) => FreshnessMark;
      const delivery = () => `contract:${randomUUID()}`;

      beforeEach(async () => {
        const target = await setup();
        if (target.store.freshness === undefined) throw new Error(`${name} has no freshness capability`);
        fresh = target.store.freshness;
        elapse = target.elapse ?? sleep;
        const freshnessKey = `scope:agent-score:${randomUUID()}`;
        mark = (timestampMs) => ({ key: freshnessKey, timestampMs });
      });

      const claimed = async (key: string, at: number, leaseMs = LONG) => {
        const claim = await fresh.claim(key, leaseMs, mark(at));
        expect(claim.status).toBe('claimed');
        return claim as Extract<FreshnessClaim, { status: 'claimed' }>;
      };

      it('reads the watermark with the claim; an older delivery is stale, an equal one is not', async () => {
        const first = delivery();
        const a = await claimed(first, 2_000);
        expect(a.watermarkMs).toBe(undefined);
        expect(await fresh.complete(first, a.token, LONG, mark(2_000))).toBe(true);
        expect(await fresh.claim(delivery(), LONG, mark(1_999))).toEqual({ status: 'stale', watermarkMs: 2_000 });
        const equal = delivery();
        const b = await claimed(equal, 2_000);
        expect(b.watermarkMs).toBe(2_000);
        expect(await fresh.complete(equal, b.token, LONG, mark(2_000))).toBe(false);
        const newer = delivery();
        const c = await claimed(newer, 3_000);
        expect(await fresh.complete(newer, c.token, LONG, mark(3_000))).toBe(true);
        expect(await fresh.claim(delivery(), LONG, mark(2_500))).toEqual({ status: 'stale', watermarkMs: 3_000 });
      });

      it('a completed delivery is a duplicate before it is stale, and a stale one claims nothing', async () => {
        const old = delivery();
        const a = await claimed(old, 1_000);
        await fresh.complete(old, a.token, LONG, mark(1_000));
        const newer = delivery();
        const b = await claimed(newer, 2_000);
        await fresh.complete(newer, b.token, LONG, mark(2_000));
        expect(await fresh.claim(old, LONG, mark(1_000))).toEqual({ status: 'duplicate' });
        const stale = delivery();
        expect((await fresh.claim(stale, LONG, mark(1_500))).status).toBe('stale');
        expect((await fresh.claim(stale, LONG, mark(1_500))).status).toBe('stale');
      });

      it('holds the key for one delivery at a time, until it completes, is released, or its lease ends', async () => {
        const one = delivery();
        const a = await claimed(one, 1_000);
        const other = delivery();
        const busy = await fresh.claim(other, LONG, mark(2_000));
        expect(busy.status).toBe('in-flight');
        if (busy.status === 'in-flight') expect(busy.retryAfterMs).toBeGreaterThan(0);
        await fresh.release(one, a.token, mark(1_000));
        const b = await claimed(other, 2_000);
        // A released (failed) delivery did not advance the watermark.
        expect(b.watermarkMs).toBe(undefined);
        await fresh.complete(other, b.token, LONG, mark(2_000));
        const short = delivery();
        await claimed(short, 3_000, SHORT);
        await elapse(PAST_SHORT);
        await claimed(delivery(), 4_000);
      });

      it('of many concurrent claims of one key, exactly one is claimed', async () => {
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, index) => fresh.claim(delivery(), LONG, mark(1_000 + index))),
        );
        expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
        expect(claims.filter((claim) => claim.status === 'in-flight')).toHaveLength(19);
      });

      it('a completion whose lease ran out still raises the watermark: the handlers did succeed', async () => {
        const slow = delivery();
        const a = await claimed(slow, 5_000, SHORT);
        await elapse(PAST_SHORT);
        expect(await fresh.complete(slow, a.token, LONG, mark(5_000))).toBe(true);
        expect(await fresh.claim(delivery(), LONG, mark(4_000))).toEqual({ status: 'stale', watermarkMs: 5_000 });
      });
    });
  });
}
