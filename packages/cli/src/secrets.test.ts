import { describe, expect, it } from 'vitest';
import { resolveSecrets } from './secrets.js';

describe('resolveSecrets', () => {
  it('takes repeated options and comma lists, and numbers each secret from #0, like core, without its value', () => {
    expect(resolveSecrets(['a, b', 'c'], { ARMALO_WEBHOOK_SECRET: 'ignored' })).toEqual([
      { value: 'a', label: '--secret #0' },
      { value: 'b', label: '--secret #1' },
      { value: 'c', label: '--secret #2' },
    ]);
  });

  it('falls back to ARMALO_WEBHOOK_SECRET and keeps whitespace at the ends for verify to diagnose', () => {
    expect(resolveSecrets(undefined, { ARMALO_WEBHOOK_SECRET: 'current,previous\n' })).toEqual([
      { value: 'current', label: 'ARMALO_WEBHOOK_SECRET #0' },
      { value: 'previous\n', label: 'ARMALO_WEBHOOK_SECRET #1' },
    ]);
  });

  it('refuses a missing or blank secret', () => {
    expect(() => resolveSecrets([], {})).toThrow('missing secret');
    expect(() => resolveSecrets(undefined, { ARMALO_WEBHOOK_SECRET: ' \n' })).toThrow('missing secret');
  });
});
