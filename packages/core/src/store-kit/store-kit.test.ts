import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoggerSlot, createThrottledWarning, listenForErrors } from './index.js';

const toConsole = () => console;

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
      toConsole,
    );
    expect(() => client.emit('error', new Error('idle client died'))).not.toThrow();
    const bare = new EventEmitter();
    listenForErrors(bare, false, 'store', toConsole);
    expect(() => bare.emit('error', new Error('idle client died'))).toThrow('idle client died');
  });

  it('adds the default listener, or a given one, once per emitter, however many stores share it', () => {
    const pool = new EventEmitter();
    for (let i = 0; i < 20; i++) listenForErrors(pool, undefined, 'store', toConsole);
    expect(pool.listenerCount('error')).toBe(1);
    const mine = () => {};
    listenForErrors(pool, mine, 'store', toConsole);
    listenForErrors(pool, mine, 'store', toConsole);
    expect(pool.listenerCount('error')).toBe(2);
  });

  it('the default warning goes to the logger the store was given, else to the first receiver logger it adopts', () => {
    const own = { warn: vi.fn(), error: vi.fn() };
    const adopted = { warn: vi.fn(), error: vi.fn() };
    const slot = createLoggerSlot();
    slot.adopt(adopted);
    slot.adopt(own);
    const client = new EventEmitter();
    listenForErrors(client, undefined, 'redis store: client error', slot.get);
    client.emit('error', new Error('ECONNRESET'));
    expect(adopted.warn).toHaveBeenCalledWith('armalo-webhooks: redis store: client error: ECONNRESET');
    expect(own.warn).not.toHaveBeenCalled();
    const fixed = createLoggerSlot(own);
    fixed.adopt(adopted);
    expect(fixed.get()).toBe(own);
  });
});
