import type { ObservedAttempt, ObservedExchange } from '@armalo-webhooks/inspect';
import { describe, expect, it } from 'vitest';
import { createDeliveryLog } from './delivery-log.js';

function exchange(overrides: Partial<ObservedExchange> = {}): ObservedExchange {
  return {
    type: 'exchange',
    receivedAt: new Date().toISOString(),
    method: 'POST',
    headers: {},
    status: 200,
    outcome: 'handled',
    duplicate: false,
    queued: false,
    latencyMs: 1,
    ...overrides,
  };
}

function attempt(outcome: ObservedAttempt['outcome'], overrides: Partial<ObservedAttempt> = {}): ObservedAttempt {
  return { type: 'attempt', deliveryId: 'd1', event: 'eval.failed', attempt: 1, outcome, at: '', ...overrides };
}

describe('the delivery log', () => {
  it('tells a replay or a sample sent by the inspector from a delivery received from outside', () => {
    const log = createDeliveryLog({ max: 10 });
    const original = log.record(exchange());
    log.record(exchange({ headers: { 'x-armalo-inspector': `replay ${original?.id}` } }));
    log.record(exchange({ headers: { 'x-armalo-inspector': 'sample' } }));
    expect(log.list().map((entry) => [entry.seq, entry.origin, entry.replayOf])).toEqual([
      [3, 'sample', undefined],
      [2, 'replay', original?.id],
      [1, 'received', undefined],
    ]);
  });

  it('gives a worker’s attempts to the exchange that stored the delivery, even when they arrive first', () => {
    const log = createDeliveryLog({ max: 10 });
    // A memory inbox starts the worker before the receiver has answered.
    log.record(attempt('running'));
    const stored = log.record(exchange({ deliveryId: 'd1', queued: true }));
    log.record(attempt('dead-lettered'));
    // A resend the inbox answered as a duplicate does not take the next attempts.
    log.record(exchange({ deliveryId: 'd1', duplicate: true }));
    log.record(attempt('succeeded', { attempt: 1, replayOf: 'job-1' }));
    expect(log.get(stored?.id ?? '')?.attempts.map((item) => item.outcome)).toEqual(['dead-lettered', 'succeeded']);
  });

  it('tells its listeners of every new and changed entry', () => {
    const log = createDeliveryLog({ max: 10 });
    const seen: number[] = [];
    const stop = log.subscribe((entry) => seen.push(entry.attempts.length));
    log.record(exchange({ deliveryId: 'd1' }));
    log.record(attempt('running'));
    stop();
    log.record(attempt('succeeded'));
    expect(seen).toEqual([0, 1]);
  });
});
