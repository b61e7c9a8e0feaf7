import { describe, expect, it } from 'vitest';
import { parseTableName } from './table-name.js';

describe('parseTableName', () => {
  it('quotes each part exactly as written', () => {
    expect(parseTableName('idempotency')).toEqual({ sql: '"idempotency"', schema: undefined, name: 'idempotency' });
    expect(parseTableName('Webhooks.Keys_2')).toEqual({
      sql: '"Webhooks"."Keys_2"',
      schema: 'Webhooks',
      name: 'Keys_2',
    });
    expect(parseTableName('_x').sql).toBe('"_x"');
    expect(parseTableName('x'.repeat(63)).name).toHaveLength(63);
  });

  it.each([
    'x"; DROP TABLE users; --',
    'a.b.c',
    '.a',
    'a.',
    '',
    '9lives',
    'with space',
    'dash-ed',
    'dollar$',
    'ünïcode',
    'x'.repeat(64),
  ])('refuses %j', (table) => {
    expect(() => parseTableName(table)).toThrow(RangeError);
  });

  it('refuses a non-string', () => {
    expect(() => parseTableName(42 as never)).toThrow(TypeError);
  });
});
