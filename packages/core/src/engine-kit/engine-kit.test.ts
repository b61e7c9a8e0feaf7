import { describe, expect, it, vi } from 'vitest';
import { createMemoryInbox } from '../inbox/memory-inbox.js';
import type { InboxEntry, StoredDelivery } from '../inbox/types.js';
import { createWebhookReceiver } from '../receiver/receiver.js';
import {
  createReceiverSlot,
  DEFAULT_RETENTION_MS,
  listLimit,
  matchesRedrive,
  replayDelivery,
  retentionFor,
  selectEntries,
  unexpectedFailure,
  untilDeadline,
} from './index.js';

const delivery: StoredDelivery = {
  deliveryId: 'scope:key',
  event: 'score.changed',
  body: 'e30=',
  receivedAt: 0,
  secretIndex: 0,
  trace: {},
};

function entry(id: string, state: InboxEntry['state'], enqueuedAt: number, event = 'score.changed'): InboxEntry {
  return {
    id,
    deliveryId: `d-${id}`,
    event,
    state,
    attempts: 1,
    enqueuedAt: new Date(enqueuedAt),
    delivery: { ...delivery, deliveryId: `d-${id}`, event },
  };
}

describe('retention', () => {
  it('follows the replay window, or idempotency.retainMs when the window is off', () => {
    expect(retentionFor({})).toBe(DEFAULT_RETENTION_MS);
    expect(DEFAULT_RETENTION_MS).toBe(7 * 86_400_000 + 300_000);
    expect(retentionFor({ tolerance: { pastMs: 3_600_000 } })).toBe(3_600_000 + 300_000);
    expect(retentionFor({ tolerance: false })).toBe(7 * 86_400_000);
    expect(retentionFor({ tolerance: false, idempotency: { retainMs: 60_000 } })).toBe(60_000);
  });

  it('an engine keeps what it was given, else the longest window of the receivers that use it', () => {
    const slot = createReceiverSlot();
    expect(slot.retentionMs()).toBe(DEFAULT_RETENTION_MS);
    const first = { warn: vi.fn(), error: vi.fn() };
    slot.adopt({ retentionMs: 1_000, logger: first });
    slot.adopt({ retentionMs: 5_000, logger: console });
    slot.adopt({ retentionMs: 2_000, logger: console });
    expect(slot.retentionMs()).toBe(5_000);
    expect(slot.logger()).toBe(first);
    const fixed = createReceiverSlot({ retentionMs: 42 });
    fixed.adopt({ retentionMs: 5_000, logger: console });
    expect(fixed.retentionMs()).toBe(42);
  });

  it('a receiver created with an inbox tells it its window', async () => {
    const inbox = createMemoryInbox();
    const adopt = vi.spyOn(inbox, 'useReceiver' as never);
    createWebhookReceiver({ secret: 'whsec_kit', inbox, tolerance: { pastMs: 60_000, futureMs: 1_000 } });
    expect(adopt).toHaveBeenCalledWith({ retentionMs: 61_000, logger: console, enqueueTimeoutMs: 5_000 });
  });
});

describe('list filters', () => {
  const entries = [
    entry('c', 'dead', 3_000, 'eval.failed'),
    entry('a', 'waiting', 1_000),
    entry('b', 'dead', 2_000),
    entry('d', 'completed', 2_000),
  ];

  it('selects by state, event and time, oldest first, up to the limit', () => {
    expect(selectEntries(entries).map((e) => e.id)).toEqual(['a', 'b', 'd', 'c']);
    expect(selectEntries(entries, { state: 'dead' }).map((e) => e.id)).toEqual(['b', 'c']);
    expect(selectEntries(entries, { event: 'score.changed', since: new Date(2_000) }).map((e) => e.id)).toEqual([
      'b',
      'd',
    ]);
    expect(selectEntries(entries, { limit: 1 }).map((e) => e.id)).toEqual(['a']);
    expect(() => listLimit({ limit: 0 })).toThrow(RangeError);
  });

  it('redrives dead letters only, named by job id or by delivery id', () => {
    const moving = (filter: Parameters<typeof matchesRedrive>[1]) =>
      entries.filter((e) => matchesRedrive(e, filter)).map((e) => e.id);
    expect(moving({})).toEqual(['c', 'b']);
    expect(moving({ event: 'eval.failed' })).toEqual(['c']);
    expect(moving({ ids: ['b', 'd-c', 'a'] })).toEqual(['c', 'b']);
    expect(moving({ since: new Date(2_500) })).toEqual(['c']);
  });
});

describe('replay, deadlines and unexpected failures', () => {
  it('a replay carries the same bytes and delivery id, marked with the job it replays (not the first one it replayed)', () => {
    const replayed = replayDelivery({ ...entry('r2', 'completed', 0), delivery: { ...delivery, replayOf: 'r1' } });
    expect(replayed).toEqual({ ...delivery, replayOf: 'r2' });
  });

  it('waits for work up to a deadline', async () => {
    expect(await untilDeadline(Promise.resolve(), 1_000)).toBe(true);
    expect(await untilDeadline(Promise.reject(new Error('settled')), 1_000)).toBe(true);
    expect(await untilDeadline(new Promise(() => {}), 10)).toBe(false);
  });

  it('a processor that threw is retried after a second, keeping the error and the try', () => {
    expect(unexpectedFailure(new Error('out of memory'), 3)).toMatchObject({
      status: 'retry',
      delayMs: 1000,
      error: { code: 'INTERNAL_ERROR', message: 'out of memory', attempt: 3 },
    });
  });
});
