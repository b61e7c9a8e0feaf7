import { describe, expect, it, vi } from 'vitest';
import { delivery, receiverWith, SECRET, scopeOf, silentLogger } from '../fixtures/receiver.js';
import { createMemoryInbox, createMemoryStore, createWebhookReceiver, type WebhookContext } from '../index.js';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));
const score = (agentId: string, compositeScore: number, minute: number) =>
  delivery('agent.score.changed', { agentId, compositeScore, previousScore: 0 }, { timestamp: at(minute) });

// Both score events describe one thing: one watermark.
const freshness = {
  'score.changed': (e: { data: { agentId: string } }) => `agent-score:${e.data.agentId}`,
  'agent.score.changed': (e: { data: unknown }) => `agent-score:${(e.data as { agentId: string }).agentId}`,
};

function guarded() {
  const seen: { score: number; ctx: WebhookContext['freshness'] }[] = [];
  const receiver = receiverWith({ tolerance: false, freshness }).on('agent.score.changed', (event, ctx) => {
    seen.push({ score: (event.data as { compositeScore: number }).compositeScore, ctx: ctx.freshness });
  });
  return { receiver, seen };
}

describe('freshness: latest wins per key', () => {
  it('an older delivery runs no handler and is acknowledged as stale; equal timestamps are not stale', async () => {
    const { receiver, seen } = guarded();
    expect((await receiver.receive(score('a1', 862, 6))).body).toEqual({ ok: true });
    const older = await receiver.receive(score('a1', 847, 5));
    expect(older.status).toBe(200);
    expect(older.body).toEqual({ ok: true, stale: true });
    expect(older.meta.freshness).toEqual({
      key: 'agent-score:a1',
      watermarkMs: at(6).getTime(),
      stale: true,
      advanced: false,
    });
    expect((await receiver.receive(score('a1', 900, 6))).body).toEqual({ ok: true });
    // Another key has its own watermark.
    expect((await receiver.receive(score('a2', 1, 1))).body).toEqual({ ok: true });
    expect(seen.map((s) => s.score)).toEqual([862, 900, 1]);
  });

  it('events that share a key share a watermark', async () => {
    const { receiver, seen } = guarded();
    const newer = delivery(
      'score.changed',
      {
        agentId: 'a1',
        compositeScore: 870,
        certificationTier: 'gold',
        previousScore: 862,
        dimensions: { accuracy: 1, reliability: 1, latency: 1, safety: 1, costEfficiency: 1, security: 1 },
      },
      { timestamp: at(7) },
    );
    await receiver.receive(newer);
    expect((await receiver.receive(score('a1', 862, 6))).body).toEqual({ ok: true, stale: true });
    expect(seen).toEqual([]);
  });

  it('ctx.freshness: the key, the watermark seen, and whether this delivery raises it', async () => {
    const { receiver, seen } = guarded();
    await receiver.receive(score('a1', 1, 6));
    await receiver.receive(score('a1', 2, 8));
    await receiver.receive(score('a1', 3, 8));
    expect(seen.map((s) => s.ctx)).toEqual([
      { key: 'agent-score:a1', watermark: undefined, advances: true },
      { key: 'agent-score:a1', watermark: at(6), advances: true },
      { key: 'agent-score:a1', watermark: at(8), advances: false },
    ]);
    const advanced = await receiver.receive(score('a1', 4, 9));
    expect(advanced.meta.freshness).toEqual({
      key: 'agent-score:a1',
      watermarkMs: at(8).getTime(),
      stale: false,
      advanced: true,
    });
  });

  it('the watermark advances only after the handlers succeeded: an older delivery still runs after a newer one failed', async () => {
    let fail = true;
    const handled: number[] = [];
    const receiver = receiverWith({ tolerance: false, freshness }).on('agent.score.changed', (event) => {
      const value = (event.data as { compositeScore: number }).compositeScore;
      if (fail && value === 2) throw new Error('transient');
      handled.push(value);
    });
    expect((await receiver.receive(score('a1', 2, 8))).status).toBe(500);
    expect((await receiver.receive(score('a1', 1, 6))).body).toEqual({ ok: true });
    fail = false;
    expect((await receiver.receive(score('a1', 2, 8))).body).toEqual({ ok: true });
    expect((await receiver.receive(score('a1', 1, 6))).body).toEqual({ ok: true, duplicate: true });
    expect(handled).toEqual([1, 2]);
  });

  it('one delivery per key runs at a time: another delivery of the key is answered 409 while it runs', async () => {
    let finish: (() => void) | undefined;
    const receiver = receiverWith({ tolerance: false, freshness }).on(
      'agent.score.changed',
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    const first = receiver.receive(score('a1', 1, 6));
    await vi.waitFor(() => expect(finish).toBeDefined());
    const second = await receiver.receive(score('a1', 2, 7));
    expect(second.status).toBe(409);
    expect(second.headers['retry-after']).toBeDefined();
    // Another key is not held up.
    const other = receiverWith({ tolerance: false, freshness });
    expect((await other.receive(score('a2', 1, 6))).status).toBe(200);
    finish?.();
    expect((await first).status).toBe(200);
    const third = receiver.receive(score('a1', 2, 7));
    await vi.waitFor(() => finish?.());
    expect((await third).status).toBe(200);
  });

  it('a stale delivery leaves nothing claimed: its re-send is stale again, and events without a key are not guarded', async () => {
    const { receiver } = guarded();
    const store = createMemoryStore();
    const r = receiverWith({ tolerance: false, freshness, idempotency: { store } }).on('agent.score.changed', () => {});
    await r.receive(score('a1', 1, 8));
    const stale = score('a1', 1, 6);
    expect((await r.receive(stale)).body).toEqual({ ok: true, stale: true });
    expect((await r.receive(stale)).body).toEqual({ ok: true, stale: true });
    expect(store.size).toBe(1);
    expect(store.watermarks).toBe(1);
    expect(
      (await receiver.receive(delivery('eval.failed', { evalId: 'e' }, { timestamp: at(1) }))).meta.freshness,
    ).toBe(undefined);
  });

  it('watermarks are scoped per receiver like delivery keys', async () => {
    const store = createMemoryStore();
    const handler = vi.fn();
    const a = receiverWith({ tolerance: false, freshness, idempotency: { store } }).onAny(handler);
    const b = createWebhookReceiver({
      secret: 'whsec_other',
      logger: silentLogger(),
      tolerance: false,
      freshness,
      idempotency: { store },
    });
    b.onAny(handler);
    await a.receive(score('a1', 1, 8));
    const other = delivery('agent.score.changed', { agentId: 'a1' }, { timestamp: at(6), secret: 'whsec_other' });
    expect((await b.receive(other)).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(2);
    expect(scopeOf(SECRET)).not.toBe(scopeOf('whsec_other'));
  });

  it('with fail-open, a store outage runs the handlers without the guard (ctx.freshness undefined)', async () => {
    const down = () => {
      throw new Error('store down');
    };
    const store = {
      claim: down,
      complete: down,
      release: down,
      freshness: { claim: down, complete: down, release: down },
    };
    const seen: unknown[] = [];
    const receiver = receiverWith({
      tolerance: false,
      freshness,
      idempotency: { store, onStoreError: 'fail-open' },
    }).on('agent.score.changed', (_event, ctx) => {
      seen.push(ctx.freshness);
    });
    expect((await receiver.receive(score('a1', 1, 6))).status).toBe(200);
    expect(seen).toEqual([undefined]);
  });

  it('a key function that throws or returns no key is a 500, so the sender retries', async () => {
    const receiver = receiverWith({ tolerance: false, freshness: { 'agent.score.changed': () => '' } });
    expect((await receiver.receive(score('a1', 1, 6))).status).toBe(500);
  });

  it('is a startup error without a store that keeps watermarks, with idempotency off, and with an inbox that does not', () => {
    const store = { claim: () => ({ status: 'duplicate' as const }), complete() {}, release() {} };
    expect(() => receiverWith({ freshness, idempotency: { store } })).toThrow(
      /createMemoryStore\(\) \(the default\), createRedisStore\(\) or createPostgresStore\(\)/,
    );
    expect(() => receiverWith({ freshness, idempotency: false })).toThrow(/needs idempotency on/);
    const inbox = createMemoryInbox();
    if (inbox.freshness === undefined) {
      expect(() => receiverWith({ freshness, inbox })).toThrow(/the memory inbox does not/);
    }
    expect(() => receiverWith({ freshness: { 'score.changed': 'agentId' } as never })).toThrow(/must be a function/);
  });
});

describe('the memory store bounds its watermarks', () => {
  it('by maxEntries: the key advanced longest ago is forgotten, with one warning', () => {
    const logger = silentLogger();
    const store = createMemoryStore({ maxEntries: 2, logger });
    const f = store.freshness!;
    for (const [index, key] of ['k1', 'k2', 'k3'].entries()) {
      const mark = { key, timestampMs: 1000 + index };
      const claim = f.claim(`d${index}`, 1000, mark);
      if (claim instanceof Promise || claim.status !== 'claimed') throw new Error('not claimed');
      expect(f.complete(`d${index}`, claim.token, 60_000, mark)).toBe(true);
    }
    expect(store.watermarks).toBe(2);
    const warnings = logger.warn.mock.calls.filter((call) => /freshness watermarks/.test(String(call[0])));
    expect(warnings).toHaveLength(1);
    expect(f.claim('old', 1000, { key: 'k1', timestampMs: 1 })).toMatchObject({
      status: 'claimed',
      watermarkMs: undefined,
    });
    expect(f.claim('old2', 1000, { key: 'k3', timestampMs: 1 })).toEqual({ status: 'stale', watermarkMs: 1002 });
  });

  it('by retention: a watermark is kept as long as the delivery that set it', () => {
    let clock = 0;
    const store = createMemoryStore({ now: () => clock });
    const f = store.freshness!;
    const mark = { key: 'k', timestampMs: 5000 };
    const claim = f.claim('d', 1000, mark) as { token: string };
    f.complete('d', claim.token, 10_000, mark);
    expect(f.claim('e', 1000, { key: 'k', timestampMs: 1 })).toEqual({ status: 'stale', watermarkMs: 5000 });
    clock = 10_001;
    expect(f.claim('e', 1000, { key: 'k', timestampMs: 1 })).toMatchObject({
      status: 'claimed',
      watermarkMs: undefined,
    });
  });
});
