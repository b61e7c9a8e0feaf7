import { describe, expect, it } from 'vitest';
import type { LoggedDelivery } from './delivery-log.js';
import { detail, maskHeader, summarize, verdictOf } from './view.js';

describe('the page’s view of a delivery', () => {
  it('shows only the shape of the signature, and hides credentials', () => {
    const signature = 'ab'.repeat(32);
    expect(maskHeader('x-armalo-signature', signature)).toBe('ababab… (64 characters)');
    expect(maskHeader('x-armalo-signature', 'sha256')).toBe('(6 characters)');
    expect(maskHeader('authorization', 'Bearer t0ken')).toBe('(hidden)');
    expect(maskHeader('content-type', 'application/json')).toBe('application/json');
  });

  it('shows core’s outcome, and a refusal for a delivery another attempt holds as in-progress', () => {
    expect(verdictOf({ outcome: 'duplicate' })).toBe('duplicate');
    expect(verdictOf({ outcome: 'stale' })).toBe('stale');
    expect(verdictOf({ outcome: 'refused', code: 'INVALID_SIGNATURE' })).toBe('refused');
    expect(verdictOf({ outcome: 'refused', code: 'DELIVERY_IN_PROGRESS' })).toBe('in-progress');
  });

  it('badges a stored delivery with its latest attempt, and lists only well-formed issues', () => {
    const entry: LoggedDelivery = {
      id: 'a1',
      seq: 1,
      origin: 'received',
      attempts: [],
      exchange: {
        type: 'exchange',
        receivedAt: '2026-03-16T10:05:00.000Z',
        method: 'POST',
        headers: {},
        status: 200,
        outcome: 'queued',
        duplicate: false,
        queued: true,
        latencyMs: 1,
        // As a report from another process could carry them.
        details: { issues: [{ path: 'agentId', message: 'Invalid input' }, { path: 7 }, null, 'x'] },
      },
    };
    expect(summarize(entry).state).toBe('queued');
    entry.attempts.push({
      type: 'attempt',
      deliveryId: 'd',
      event: 'eval.failed',
      attempt: 1,
      outcome: 'dead-lettered',
      at: '',
    });
    expect([summarize(entry).verdict, summarize(entry).state]).toEqual(['queued', 'dead-lettered']);
    // Redriven, then settled stale by the worker's freshness check: the badge says so.
    entry.attempts.push({
      type: 'attempt',
      deliveryId: 'd',
      event: 'eval.failed',
      attempt: 1,
      outcome: 'stale',
      at: '',
    });
    expect([summarize(entry).verdict, summarize(entry).state, summarize(entry).attempt]).toEqual([
      'queued',
      'stale',
      'stale',
    ]);
    expect(detail(entry, []).issues).toEqual([{ path: 'agentId', message: 'Invalid input' }]);
  });
});
