import { describe, expect, it } from 'vitest';
import { createPostgresStore } from './create-postgres-store.js';
import type { PgQueryConfig } from './pool.js';

/** A fake pool answering every query with `rows` in turn, recording the configs. */
function fakePool(...answers: unknown[][]) {
  const queries: PgQueryConfig[] = [];
  const listeners: unknown[] = [];
  return {
    queries,
    listeners,
    pool: {
      query: async (config: PgQueryConfig) => {
        queries.push(config);
        const rows = answers.shift() ?? [];
        return { rows, rowCount: rows.length };
      },
      on: (_event: 'error', listener: (error: Error) => void) => listeners.push(listener),
    },
  };
}

describe('createPostgresStore', () => {
  it('maps claim rows to claims', async () => {
    const store = (rows: unknown[]) => createPostgresStore({ pool: fakePool(rows).pool });
    expect((await store([{ status: 'claimed', retry_after_ms: null }]).claim('k', 1_000)).status).toBe('claimed');
    expect(await store([{ status: 'duplicate', retry_after_ms: 5 }]).claim('k', 1_000)).toEqual({
      status: 'duplicate',
    });
    expect(await store([{ status: 'in-flight', retry_after_ms: 750 }]).claim('k', 1_000)).toEqual({
      status: 'in-flight',
      retryAfterMs: 750,
    });
    expect(await store([{ status: 'in-flight', retry_after_ms: -3 }]).claim('k', 1_000)).toEqual({
      status: 'in-flight',
    });
  });

  it('runs the claim again when its snapshot missed a concurrently committed row, then gives up as in-flight', async () => {
    const retried = fakePool([], [{ status: 'duplicate', retry_after_ms: null }]);
    expect(await createPostgresStore({ pool: retried.pool }).claim('k', 1_000)).toEqual({ status: 'duplicate' });
    expect(retried.queries).toHaveLength(2);
    const racing = fakePool([], [], [], []);
    expect(await createPostgresStore({ pool: racing.pool }).claim('k', 1_000)).toEqual({ status: 'in-flight' });
    expect(racing.queries).toHaveLength(3);
  });

  it('sends whole milliseconds, a UUID token, NULL for retention past a century, and names statements', async () => {
    const { pool, queries } = fakePool([{ status: 'claimed' }]);
    const store = createPostgresStore({ pool, table: 's.t' });
    const claim = await store.claim('k', 1.5);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    await store.complete('k', claim.token, Number.POSITIVE_INFINITY);
    await store.complete('k', claim.token, 10.2);
    await store.release('k', claim.token);
    expect(queries.map((q) => q.values)).toEqual([
      ['k', claim.token, 2],
      ['k', claim.token, null],
      ['k', claim.token, 11],
      ['k', claim.token],
    ]);
    expect(queries.every((q) => q.name?.startsWith('armalo_webhooks_'))).toBe(true);
    expect(new Set(queries.map((q) => q.name)).size).toBe(3);
  });

  it('sends unnamed statements when preparedStatements is false', async () => {
    const { pool, queries } = fakePool([{ status: 'claimed' }]);
    await createPostgresStore({ pool, preparedStatements: false }).claim('k', 1_000);
    expect(queries[0]?.name).toBeUndefined();
  });

  it('migrates in one query that takes an advisory lock first', async () => {
    const { pool, queries } = fakePool();
    await createPostgresStore({ pool, table: 'x.y' }).migrate();
    expect(queries).toHaveLength(1);
    expect(queries[0]?.values).toBeUndefined();
    expect(queries[0]?.text).toMatch(
      /^SELECT pg_advisory_xact_lock\(hashtext\('armalo-webhooks:"x"\."y"'\)\);\nCREATE TABLE/,
    );
  });

  it('listens for pool errors unless told not to, and validates its options', () => {
    const attached = fakePool();
    createPostgresStore({ pool: attached.pool });
    expect(attached.listeners).toHaveLength(1);
    const declined = fakePool();
    createPostgresStore({ pool: declined.pool, onPoolError: false });
    expect(declined.listeners).toHaveLength(0);
    expect(() => createPostgresStore({ pool: {} as never })).toThrow(TypeError);
    expect(() => createPostgresStore({ pool: fakePool().pool, table: 'a;b' })).toThrow(RangeError);
  });
});
