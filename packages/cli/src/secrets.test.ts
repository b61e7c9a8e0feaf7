import { describe, expect, it } from 'vitest';
import { resolveSecrets } from './secrets.js';

describe('resolveSecrets', () => {
  it('takes repeated options and comma lists, and labels each secret without its value', () => {
    expect(resolveSecrets(['a, b', 'c'], { ARMALO_WEBHOOK_SECRET: 'ignored' })).toEqual([
      { value: 'a', label: '--secret #1' },
      { value: 'b', label: '--secret #2' },
      { value: 'c', label: '--secret #3' },
    ]);
  });

  it('falls back to ARMALO_WEBHOOK_SECRET and keeps whitespace at the ends for verify to diagnose', () => {
    expect(resolveSecrets(undefined, { ARMALO_WEBHOOK_SECRET: 'current,previous\n' })).toEqual([
      { value: 'current', label: 'ARMALO_WEBHOOK_SECRET #1' },
      { value: 'previous\n', label: 'ARMALO_WEBHOOK_SECRET #2' },
    ]);
  });

  it('refuses a missing or blank secret', () => {
    expect(() => resolveSecrets([], {})).toThrow('missing secret');
    expect(() => resolveSecrets(undefined, { ARMALO_WEBHOOK_SECRET: ' \n' })).toThrow('missing secret');
  });
});
