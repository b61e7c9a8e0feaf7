import { describe, expect, it } from 'vitest';
import { maskHeader, verdictOf } from './view.js';

describe('the page’s view of a delivery', () => {
  it('shows only the shape of the signature, and hides credentials', () => {
    const signature = 'ab'.repeat(32);
    expect(maskHeader('x-armalo-signature', signature)).toBe('ababab… (64 characters)');
    expect(maskHeader('x-armalo-signature', 'sha256')).toBe('(6 characters)');
    expect(maskHeader('authorization', 'Bearer t0ken')).toBe('(hidden)');
    expect(maskHeader('content-type', 'application/json')).toBe('application/json');
  });

  it('reads the verdict from the answer', () => {
    const verdicts = [
      [200, false, false],
      [200, true, false],
      [200, false, true],
      [409, false, false],
      [401, false, false],
      [500, false, false],
    ].map(([status, duplicate, queued]) =>
      verdictOf({ status: status as number, duplicate: duplicate as boolean, queued: queued as boolean }),
    );
    expect(verdicts).toEqual(['handled', 'duplicate', 'queued', 'in-progress', 'refused', 'failed']);
  });
});
