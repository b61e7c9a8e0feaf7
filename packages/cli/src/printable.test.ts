import { describe, expect, it } from 'vitest';
import { printable, printableJson } from './printable.js';

describe('printable()', () => {
  it('escapes C0, DEL and C1 controls, newlines included, and leaves other text alone', () => {
    expect(printable('a\u001b]0;title\u0007b\u009b2Jc\u007f\n')).toBe(
      'a\\u001b]0;title\\u0007b\\u009b2Jc\\u007f\\u000a',
    );
    expect(printable('score.changed é ✓')).toBe('score.changed é ✓');
  });
});

describe('printableJson()', () => {
  it('prints the same JSON, indented or not, with no control character but its own newlines', () => {
    const value = { event: 'x\u009b\u001b[2J\u007f', message: 'tab\there\nnext' };
    for (const indent of [undefined, 2]) {
      const text = printableJson(value, indent);
      expect(JSON.parse(text)).toEqual(value);
      expect(text).not.toMatch(/[^\P{Cc}\n]/u);
    }
  });
});
