import { afterEach, describe, expect, it, vi } from 'vitest';
import { createThrottledWarning } from './client-errors.js';

describe('createThrottledWarning', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('warns once, then at most every 30 s with a count of what it held back', () => {
    vi.useFakeTimers({ now: 0 });
    const warnings: string[] = [];
    const warn = createThrottledWarning((message) => warnings.push(message));
    warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    for (let i = 0; i < 5; i++) warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    vi.setSystemTime(30_000);
    warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(warnings).toEqual([
      'armalo-webhooks/redis: Redis client error: connect ECONNREFUSED 127.0.0.1:6379',
      'armalo-webhooks/redis: Redis client error: connect ECONNREFUSED 127.0.0.1:6379 (5 more since the last warning)',
    ]);
  });
});
