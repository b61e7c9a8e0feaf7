import { describe, expect, it } from 'vitest';
import { withTimeout } from './timeout.js';

describe('withTimeout', () => {
  it('passes a prompt answer or error through', async () => {
    await expect(withTimeout(Promise.resolve(1), 1_000, 'claim')).resolves.toBe(1);
    await expect(withTimeout(Promise.reject(new Error('nope')), 1_000, 'claim')).rejects.toThrow('nope');
  });

  it('rejects when no answer comes in time, and swallows the late one', async () => {
    let fail: (error: Error) => void = () => {};
    const never = new Promise<never>((_, reject) => {
      fail = reject;
    });
    await expect(withTimeout(never, 20, 'claim')).rejects.toThrow('claim got no answer from Redis within 20 ms');
    // A late rejection would be reported by vitest as unhandled if it were not observed.
    fail(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('waits forever when told to', async () => {
    await expect(withTimeout(Promise.resolve('x'), Number.POSITIVE_INFINITY, 'claim')).resolves.toBe('x');
  });
});
