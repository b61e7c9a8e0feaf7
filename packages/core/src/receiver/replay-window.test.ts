import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DAY,
  DEFAULT_FUTURE_MS,
  DEFAULT_PAST_MS,
  delivery,
  expectCode,
  keyFor,
  receiverWith,
  spyStore,
} from '../fixtures/receiver.js';

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
    ['7 days old', NOW - DEFAULT_PAST_MS, true],
    ['7 days and 1 ms old', NOW - DEFAULT_PAST_MS - 1, false],
    ['a year old', NOW - 365 * DAY, false],
    ['5 minutes ahead', NOW + DEFAULT_FUTURE_MS, true],
    ['5 minutes and 1 ms ahead', NOW + DEFAULT_FUTURE_MS + 1, false],
    ['a day ahead', NOW + DAY, false],
    ['now', NOW, true],
  ])('default window: a timestamp %s is inside: %s', async (_name, timestamp, inside) => {
    const result = await receiverWith().receive(delivery('eval.failed', {}, { timestamp: new Date(timestamp) }));
    if (inside) expect(result.body).toEqual({ ok: true });
    else expectCode(result, 'TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('compares instants, whatever the offset the timestamp is written in', async () => {
    const receiver = receiverWith({ tolerance: { pastMs: 60_000, futureMs: 60_000 } });
    // 13:30+01:30 is 12:00Z: inside; 12:00+01:00 is 11:00Z: an hour old.
    const inside = await receiver.receive(delivery('eval.failed', {}, { timestamp: '2026-03-16T13:30:00+01:30' }));
    expect(inside.body).toEqual({ ok: true });
    const old = await receiver.receive(delivery('eval.failed', {}, { timestamp: '2026-03-16T12:00:00+01:00' }));
    expectCode(old, 'TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('custom pastMs and futureMs', async () => {
    const receiver = receiverWith({ tolerance: { pastMs: 10_000, futureMs: 1_000 } });
    const at = async (offset: number) =>
      (
        (await receiver.receive(delivery('eval.failed', { offset }, { timestamp: new Date(NOW + offset) }))).body as {
          code?: string;
        }
      ).code ?? 'ok';
    expect(await at(-10_000)).toBe('ok');
    expect(await at(-10_001)).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
    expect(await at(1_000)).toBe('ok');
    expect(await at(1_001)).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('tolerance: false accepts any valid timestamp', async () => {
    const receiver = receiverWith({ tolerance: false });
    for (const timestamp of ['1999-01-01T00:00:00Z', '2126-03-16T12:00:00Z']) {
      expect((await receiver.receive(delivery('eval.failed', {}, { timestamp }))).body).toEqual({ ok: true });
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
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect(store.complete).toHaveBeenCalledTimes(1);
    expect(store.complete.mock.calls[0]![0]).toBe(keyFor(input.rawBody));
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
    expectCode(await receiver.receive(input), 'TIMESTAMP_OUT_OF_TOLERANCE');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('ctx.receivedAt is the time receive() started', async () => {
    const handler = vi.fn();
    await receiverWith().onAny(handler).receive(delivery('eval.failed', {}));
    expect(handler.mock.calls[0]![1].receivedAt).toEqual(new Date(NOW));
  });
});
