import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createThrottledWarning, listenForPoolErrors } from './pool-errors.js';

describe('pool errors', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('warns once, then at most every 30 s with a count of what it held back', () => {
    vi.useFakeTimers({ now: 0 });
    const warnings: string[] = [];
    const warn = createThrottledWarning((message) => warnings.push(message));
    warn(new Error('Connection terminated unexpectedly'));
    warn(new Error('Connection terminated unexpectedly'));
    vi.setSystemTime(30_000);
    warn(new Error('Connection terminated unexpectedly'));
    expect(warnings).toEqual([
      'armalo-webhooks/postgres: pool error: Connection terminated unexpectedly',
      'armalo-webhooks/postgres: pool error: Connection terminated unexpectedly (1 more since the last warning)',
    ]);
  });

  it('keeps an emitted error from throwing, even when the listener itself throws', () => {
    const pool = new EventEmitter() as EventEmitter & { query: never };
    listenForPoolErrors(pool, () => {
      throw new Error('listener bug');
    });
    expect(() => pool.emit('error', new Error('idle client died'))).not.toThrow();
    const bare = new EventEmitter() as EventEmitter & { query: never };
    listenForPoolErrors(bare, false);
    expect(() => bare.emit('error', new Error('idle client died'))).toThrow('idle client died');
  });
});
