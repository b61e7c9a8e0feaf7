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

  it('shows core’s outcome, and a refusal for a delivery another attempt holds as in-progress', () => {
    expect(verdictOf({ outcome: 'duplicate' })).toBe('duplicate');
    expect(verdictOf({ outcome: 'refused', code: 'INVALID_SIGNATURE' })).toBe('refused');
    expect(verdictOf({ outcome: 'refused', code: 'DELIVERY_IN_PROGRESS' })).toBe('in-progress');
  });
});
