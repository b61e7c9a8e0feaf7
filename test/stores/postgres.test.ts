import { createPostgresStore, MIGRATION_SQL, migrationSql, type PostgresStore } from '@armalo-webhooks/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { DATABASE_URL, postgresAvailable, randomId } from './servers.js';

const available = await postgresAvailable();

describe.runIf(available)('the PostgreSQL store on a real server', () => {
  const schema = `armalo_test_${randomId()}`;
  const poolErrors: Error[] = [];
  let pool: pg.Pool;
  let store: PostgresStore;
  let durableStore: PostgresStore;
  let fastStore: PostgresStore;

  const onPoolError = (error: Error) => poolErrors.push(error);
  const options = () => ({ pool, onPoolError });

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
    await pool.query(`CREATE SCHEMA "${schema}"`);
    store = createPostgresStore({ ...options(), table: `${schema}.idempotency` });
    durableStore = createPostgresStore({
      ...options(),
      table: `${schema}.durable`,
      synchronousCommit: true,
      preparedStatements: false,
    });
    fastStore = createPostgresStore({ ...options(), table: `${schema}.fast`, synchronousCommit: false });
    await store.migrate();
    await durableStore.migrate();
    await fastStore.migrate();
  });

  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    const left = await pool?.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(left?.rowCount).toBe(0);
    await pool?.end();
    expect(poolErrors).toEqual([]);
  });

  describeStoreContract('createPostgresStore', () => ({ store }));
  describeStoreContract('createPostgresStore with synchronousCommit and no prepared statements', () => ({
    store: durableStore,
  }));
  describeStoreContract('createPostgresStore with synchronousCommit: false', () => ({ store: fastStore }));

  const row = async (table: string, key: string) =>
    (
      await pool.query(
        `SELECT state, owner_token, retain_until,
                (extract(epoch FROM lease_expires_at - now()) * 1000)::float8 AS lease_left_ms,
                (extract(epoch FROM retain_until - now()) * 1000)::float8 AS retain_left_ms
         FROM ${table} WHERE key = $1`,
        [key],
      )
    ).rows[0];

  describe('table', () => {
    it('holds the owner token and lease while leased, and the retention once done', async () => {
      const claim = await store.claim('layout', 5_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      const leased = await row(store.table, 'layout');
      expect(leased).toMatchObject({ state: 'leased', owner_token: claim.token, retain_until: null });
      expect(leased.lease_left_ms).toBeGreaterThan(4_000);
      expect(leased.lease_left_ms).toBeLessThanOrEqual(5_000);

      await store.complete('layout', claim.token, 90_000);
      const done = await row(store.table, 'layout');
      expect(done).toMatchObject({ state: 'done', owner_token: claim.token });
      expect(done.retain_left_ms).toBeGreaterThan(80_000);
      expect(done.retain_left_ms).toBeLessThanOrEqual(90_000);
    });

    it('deletes the row on release', async () => {
      const claim = await store.claim('released', 5_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await store.release('released', claim.token);
      expect(await row(store.table, 'released')).toBeUndefined();
    });

    it('keeps a completed key forever when retention is longer than a century', async () => {
      const claim = await store.claim('forever', 5_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await store.complete('forever', claim.token, Number.POSITIVE_INFINITY);
      const { rows } = await pool.query(
        `SELECT retain_until = 'infinity' AS forever FROM ${store.table} WHERE key = $1`,
        ['forever'],
      );
      expect(rows).toEqual([{ forever: true }]);
      expect(await store.claim('forever', 5_000)).toEqual({ status: 'duplicate' });
    });

    it('creates the documented columns, once, even with several processes migrating at once', async () => {
      const table = `${schema}.concurrent`;
      const stores = Array.from({ length: 6 }, () => createPostgresStore({ ...options(), table }));
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]?.migrate();
      const { rows } = await pool.query(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'concurrent' ORDER BY ordinal_position`,
        [schema],
      );
      expect(rows).toEqual([
        { column_name: 'key', data_type: 'text', is_nullable: 'NO' },
        { column_name: 'state', data_type: 'text', is_nullable: 'NO' },
        { column_name: 'owner_token', data_type: 'text', is_nullable: 'NO' },
        { column_name: 'lease_expires_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
        { column_name: 'retain_until', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      ]);
      const indexes = await pool.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [
        schema,
        'concurrent',
      ]);
      expect(indexes.rows.map((r) => r.indexname).sort()).toEqual(['concurrent_expiry_idx', 'concurrent_pkey']);
    });

    it('ships the same SQL as a string for migration tools', () => {
      expect(MIGRATION_SQL).toBe(migrationSql('armalo_webhook_idempotency'));
      expect(MIGRATION_SQL).toContain('CREATE TABLE IF NOT EXISTS "armalo_webhook_idempotency"');
    });

    it('quotes the table name exactly as given, so mixed case works', async () => {
      const mixed = createPostgresStore({ ...options(), table: `${schema}.Mixed_Case` });
      expect(mixed.table).toBe(`"${schema}"."Mixed_Case"`);
      await mixed.migrate();
      expect((await mixed.claim('k', 5_000)).status).toBe('claimed');
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}"."Mixed_Case"`);
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('refuses table names that are not plain identifiers', () => {
      for (const table of [
        'x; DROP TABLE y',
        'a.b.c',
        '1table',
        '"quoted"',
        'has space',
        'dash-ed',
        '',
        'a.',
        'x'.repeat(64),
      ]) {
        expect(() => createPostgresStore({ pool, table, onPoolError: false }), table).toThrow(RangeError);
      }
    });
  });

  describe('prune', () => {
    it('deletes rows whose lease or retention has ended, in batches, and keeps the live ones', async () => {
      const pruned = createPostgresStore({ ...options(), table: `${schema}.pruned` });
      await pruned.migrate();
      await pool.query(
        `INSERT INTO ${pruned.table} (key, state, owner_token, lease_expires_at, retain_until) VALUES
          ('lease-ended-1', 'leased', 't', now() - interval '1 second', NULL),
          ('lease-ended-2', 'leased', 't', now() - interval '1 hour', NULL),
          ('retention-ended-1', 'done', 't', now() - interval '2 days', now() - interval '1 second'),
          ('retention-ended-2', 'done', 't', now() - interval '2 days', now() - interval '1 day'),
          ('retention-ended-3', 'done', 't', now() - interval '2 days', now() - interval '1 minute'),
          ('live-lease', 'leased', 't', now() + interval '1 hour', NULL),
          ('live-done-old-lease', 'done', 't', now() - interval '2 days', now() + interval '1 day'),
          ('forever', 'done', 't', now(), 'infinity')`,
      );
      expect(await pruned.prune({ batchSize: 2 })).toBe(5);
      const { rows } = await pool.query(`SELECT key FROM ${pruned.table} ORDER BY key`);
      expect(rows.map((r) => r.key)).toEqual(['forever', 'live-done-old-lease', 'live-lease']);
      expect(await pruned.prune()).toBe(0);
      await expect(pruned.prune({ batchSize: 0 })).rejects.toThrow(RangeError);
    });

    it('lets an owner whose pruned lease ran out still complete, since nobody else claimed the key', async () => {
      const pruned = createPostgresStore({ ...options(), table: `${schema}.pruned_late` });
      await pruned.migrate();
      const claim = await pruned.claim('slow', 30);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await pruned.prune()).toBe(1);
      await pruned.complete('slow', claim.token, 60_000);
      expect(await pruned.claim('slow', 5_000)).toEqual({ status: 'duplicate' });
    });
  });

  it('uses the documented default table name', () => {
    expect(createPostgresStore({ pool, onPoolError: false }).table).toBe('"armalo_webhook_idempotency"');
  });

  it('turns synchronous_commit off for its own transactions only, and only when synchronousCommit is false', async () => {
    const client = await pool.connect();
    const setting = async () => (await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    try {
      // Inside an explicit transaction the store's statement shows what it sets for its own.
      for (const [synchronousCommit, expected] of [
        [false, 'off'],
        [true, 'on'],
        [undefined, 'on'],
      ] as const) {
        const probe = createPostgresStore({
          pool: client,
          table: `${schema}.idempotency`,
          ...(synchronousCommit === undefined ? {} : { synchronousCommit }),
          onPoolError: false,
        });
        await client.query('BEGIN');
        expect((await probe.claim(`sync-probe-${String(synchronousCommit)}`, 5_000)).status).toBe('claimed');
        expect(await setting()).toBe(expected);
        await client.query('ROLLBACK');
        expect(await setting()).toBe('on');
        // And on its own (autocommit) the session is untouched afterwards.
        expect((await probe.claim(`sync-probe-${String(synchronousCommit)}`, 5_000)).status).toBe('claimed');
        expect(await setting()).toBe('on');
      }
    } finally {
      client.release();
    }
  });
});
