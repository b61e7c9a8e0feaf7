import pg from 'pg';
import { expectTypeOf, test } from 'vitest';
import { createPostgresStore, type PgPoolLike, type PostgresStore } from './index.js';

test('accepts a pg Pool and a pg Client', () => {
  expectTypeOf(createPostgresStore({ pool: new pg.Pool() })).toEqualTypeOf<PostgresStore>();
  expectTypeOf(new pg.Client()).toExtend<PgPoolLike>();
  expectTypeOf<PostgresStore['prune']>().returns.toEqualTypeOf<Promise<number>>();
});

test('rejects things that are not pools', () => {
  // @ts-expect-error no query method
  createPostgresStore({ pool: {} });
  // @ts-expect-error the table is a string
  createPostgresStore({ pool: new pg.Pool(), table: 1 });
});
