import { describe, expect, it } from 'vitest';
import { inspect } from './inspect.js';

describe('inspect()', () => {
  it('does nothing without a URL, as in production where ARMALO_INSPECTOR_URL is unset', () => {
    const saved = process.env.ARMALO_INSPECTOR_URL;
    delete process.env.ARMALO_INSPECTOR_URL;
    try {
      expect(inspect()).toEqual({});
    } finally {
      if (saved !== undefined) process.env.ARMALO_INSPECTOR_URL = saved;
    }
  });

  it('refuses to send bodies and signatures to another machine unless told to', () => {
    expect(() => inspect('http://192.0.2.10:4400/abc/')).toThrow(/not this machine/);
    expect(() => inspect({ url: 'http://192.0.2.10:4400/abc/', allowRemote: true })).not.toThrow();
    expect(() => inspect('http://localhost:4400/abc/')).not.toThrow();
  });
});
