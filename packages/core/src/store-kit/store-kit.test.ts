import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createThrottledWarning, listenForErrors, withTimeout } from './index.js';

describe('withTimeout', () => {
  it('passes a prompt answer or error through', async () => {
    await expect(withTimeout(Promise.resolve(1), 1_000, 'claim timed out')).resolves.toBe(1);
    await expect(withTimeout(Promise.reject(new Error('nope')), 1_000, 'claim timed out')).rejects.toThrow('nope');
  });

  it('rejects with the message when no answer comes in time, and swallows the late one', async () => {
    let fail: (error: Error) => void = () => {};
    const never = new Promise<never>((_, reject) => {
      fail = reject;
    });
    await expect(withTimeout(never, 20, 'claim got no answer within 20 ms')).rejects.toThrow(
      'claim got no answer within 20 ms',
    );
    // A late rejection would be reported by vitest as unhandled if it were not observed.
    fail(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('waits forever when told to', async () => {
    await expect(withTimeout(Promise.resolve('x'), Number.POSITIVE_INFINITY, 'never')).resolves.toBe('x');
  });
});

describe('client errors', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('warns once, then at most every 30 s with a count of what it held back', () => {
    vi.useFakeTimers({ now: 0 });
    const warnings: string[] = [];
    const warn = createThrottledWarning('store: client error', (message) => warnings.push(message));
    warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    for (let i = 0; i < 5; i++) warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    vi.setSystemTime(30_000);
    warn(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(warnings).toEqual([
      'store: client error: connect ECONNREFUSED 127.0.0.1:6379',
      'store: client error: connect ECONNREFUSED 127.0.0.1:6379 (5 more since the last warning)',
    ]);
  });

  it('keeps an emitted error from throwing, even when the listener itself throws', () => {
    const client = new EventEmitter();
    listenForErrors(
      client,
      () => {
        throw new Error('listener bug');
      },
      'store',
    );
    expect(() => client.emit('error', new Error('idle client died'))).not.toThrow();
    const bare = new EventEmitter();
    listenForErrors(bare, false, 'store');
    expect(() => bare.emit('error', new Error('idle client died'))).toThrow('idle client died');
  });

  it('adds the default listener, or a given one, once per emitter, however many stores share it', () => {
    const pool = new EventEmitter();
    for (let i = 0; i < 20; i++) listenForErrors(pool, undefined, 'store');
    expect(pool.listenerCount('error')).toBe(1);
    const mine = () => {};
    listenForErrors(pool, mine, 'store');
    listenForErrors(pool, mine, 'store');
    expect(pool.listenerCount('error')).toBe(2);
  });
});
