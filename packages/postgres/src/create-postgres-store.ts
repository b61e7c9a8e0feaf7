import { randomUUID } from 'node:crypto';
import type {
  Claim,
  FreshnessCapability,
  FreshnessClaim,
  FreshnessMark,
  IdempotencyStore,
  WebhookLogger,
} from '@armalo-webhooks/core';
import { createLoggerSlot, listenForErrors } from '@armalo-webhooks/core/store-kit';
import { DEFAULT_TABLE, migrationSql } from './migration.js';
import type { PgPoolLike, PgQueryConfig } from './pool.js';
import { buildStatements } from './statements.js';
import { parseTableName } from './table-name.js';

/** Longer retention than this is kept forever ('infinity'); it also keeps timestamps in range. */
const FOREVER_MS = 100 * 365 * 24 * 60 * 60 * 1000;
/** A claim that lost a race to a just-committed row runs again; this bounds how often. */
const CLAIM_ATTEMPTS = 3;

/**
 * Options for {@link createPostgresStore}.
 *
 * @example
 * ```ts
 * const options: PostgresStoreOptions = { pool, table: 'webhooks.idempotency' };
 * ```
 */
export interface PostgresStoreOptions {
  /** A `pg` `Pool` (or anything with its `query` and `on('error')`). */
  pool: PgPoolLike;
  /** `table` or `schema.table` (default `armalo_webhook_idempotency`); plain identifiers only. */
  table?: string;
  /**
   * Use named (prepared) statements, parsed and planned once per connection (default `true`).
   * Turn off behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
   * before 1.21).
   */
  preparedStatements?: boolean;
  /**
   * Wait for the WAL flush when committing the store's own writes (default `true`: a completion,
   * once acknowledged, survives a crash of the PostgreSQL server). `false` saves one disk flush per
   * claim and per completion, most of the store's latency on slow disks, at the price of Redis's
   * default durability: a crash of the server itself can lose the last moments (about
   * 3 × `wal_writer_delay`, 600 ms by default) of claims and completions, so a delivery sent again
   * right after such a crash could run again. Applies only to the store's own statements, never to
   * your handlers' transactions.
   */
  synchronousCommit?: boolean;
  /**
   * Told about every `'error'` the pool emits (an idle connection died). The store always listens,
   * because `pg` crashes the process on an unheard pool error. Default: a warning through
   * `logger`, at most every 30 s. `false`: do not listen, because you listen yourself.
   */
  onPoolError?: ((error: Error) => void) | false;
  /** Where the store's warnings go. Default: the logger of the receiver that uses the store. */
  logger?: WebhookLogger;
}

/**
 * Options for {@link PostgresStore.prune}.
 *
 * @example
 * ```ts
 * const options: PruneOptions = { batchSize: 1_000 };
 * ```
 */
export interface PruneOptions {
  /** Rows deleted per statement (default 10,000); batches repeat until none are left. */
  batchSize?: number;
}

/**
 * An {@link IdempotencyStore} on PostgreSQL, with its table's upkeep.
 *
 * @example
 * ```ts
 * const store: PostgresStore = createPostgresStore({ pool });
 * await store.migrate();
 * setInterval(() => void store.prune().catch(console.error), 3_600_000).unref();
 * ```
 */
export interface PostgresStore extends IdempotencyStore {
  /** The table, as SQL (quoted). */
  readonly table: string;
  /** Creates the table and its index if missing (see `migrationSql`); safe to run from every process at once. */
  migrate(): Promise<void>;
  /** Deletes rows (and freshness watermarks) whose lease or retention has ended; resolves to how many. */
  prune(options?: PruneOptions): Promise<number>;
  /** The freshness guard's capability: the receiver's `freshness` option works with this store. */
  readonly freshness: FreshnessCapability;
}

/**
 * An idempotency store on PostgreSQL, safe across any number of processes sharing the database.
 * One row per delivery key (see `migrationSql` for the table). A claim is a single
 * `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the lease or retention has ended, so exactly one
 * caller gets the key; every time is the server's `now()`.
 *
 * `complete` marks the key done when the caller's token holds it (even with its lease run out)
 * or nobody holds a live lease; a newer owner's live lease is left alone. `release` deletes the
 * row only while the caller's token holds it. With the receiver's `freshness` option, a guarded
 * delivery's claim also reads its freshness key's watermark and holds the key (see
 * `migrationSql`), and its completion raises the watermark, each in one statement: no extra round
 * trip. A failing or unreachable server makes calls reject
 * (within `timeoutMs`), which the receiver answers with 503 IDEMPOTENCY_STORE_UNAVAILABLE.
 *
 * @example
 * ```ts
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { createPostgresStore } from '@armalo-webhooks/postgres';
 * import pg from 'pg';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2_000 });
 * const store = createPostgresStore({ pool });
 * await store.migrate();
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET!, idempotency: { store } });
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { pool } = options;
  if (pool === null || typeof pool !== 'object' || typeof pool.query !== 'function') {
    throw new TypeError('armalo-webhooks/postgres: `pool` must be a pg Pool');
  }
  const tableOption = options.table ?? DEFAULT_TABLE;
  const table = parseTableName(tableOption);
  const prepared = options.preparedStatements ?? true;
  const sql = buildStatements(table, options.synchronousCommit ?? true);
  const logger = createLoggerSlot(options.logger);
  listenForErrors(pool, options.onPoolError, 'PostgreSQL store: pool error', logger.get);

  function query(name: Exclude<keyof typeof sql, 'namePrefix'>, values: unknown[]) {
    const config: PgQueryConfig = { text: sql[name], values };
    if (prepared) config.name = `${sql.namePrefix}_${name}`;
    return pool.query(config);
  }

  async function claim(key: string, leaseMs: number): Promise<Claim> {
    const token = randomUUID();
    const lease = milliseconds(leaseMs);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const { rows } = await query('claim', [key, token, lease]);
      const row = rows[0] as { status: Claim['status']; retry_after_ms: number | null } | undefined;
      // No row: the key's row was committed by a concurrent claim after this statement's
      // snapshot was taken, so it could not be read. The next statement sees it.
      if (row === undefined) continue;
      if (row.status === 'claimed') return { status: 'claimed', token };
      if (row.status === 'duplicate') return { status: 'duplicate' };
      const retryAfterMs = Number(row.retry_after_ms);
      return retryAfterMs > 0 ? { status: 'in-flight', retryAfterMs } : { status: 'in-flight' };
    }
    // Still racing after several tries: someone holds the key right now.
    return { status: 'in-flight' };
  }

  async function freshClaim(key: string, leaseMs: number, mark: FreshnessMark): Promise<FreshnessClaim> {
    const token = randomUUID();
    const lease = milliseconds(leaseMs);
    const at = timestamp(mark.timestampMs);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const { rows } = await query('freshClaim', [key, token, lease, mark.key, at]);
      const row = rows[0] as { status: string; retry_after_ms: number | null; watermark_ms: number | null } | undefined;
      // No row: a concurrent claim committed after this statement's snapshot (see `claim`).
      if (row === undefined) continue;
      const watermarkMs = row.watermark_ms === null ? undefined : Number(row.watermark_ms);
      if (row.status === 'claimed') return { status: 'claimed', token, watermarkMs };
      if (row.status === 'stale' && watermarkMs !== undefined) return { status: 'stale', watermarkMs };
      if (row.status === 'duplicate') return { status: 'duplicate' };
      if (row.status === 'lost') {
        // The key was held, but the delivery's row went live after the snapshot: free the key, look again.
        await query('freeHolder', [mark.key, token]);
        continue;
      }
      const retryAfterMs = Number(row.retry_after_ms);
      return retryAfterMs > 0 ? { status: 'in-flight', retryAfterMs } : { status: 'in-flight' };
    }
    return { status: 'in-flight' };
  }

  return {
    table: table.sql,
    claim,
    freshness: {
      claim: freshClaim,
      async complete(key, token, retainMs, mark) {
        const retain = retainMs >= FOREVER_MS ? null : milliseconds(retainMs);
        const { rows } = await query('freshComplete', [key, token, retain, mark.key, timestamp(mark.timestampMs)]);
        return (rows[0] as { advanced?: boolean } | undefined)?.advanced === true;
      },
      async release(key, token, mark) {
        await query('freshRelease', [key, token, mark.key]);
      },
    },
    async complete(key, token, retainMs) {
      const retain = retainMs >= FOREVER_MS ? null : milliseconds(retainMs);
      await query('complete', [key, token, retain]);
    },
    async release(key, token) {
      await query('release', [key, token]);
    },
    useLogger: logger.adopt,
    async migrate() {
      // One simple-protocol query is one transaction: the advisory lock serializes processes
      // migrating at once (CREATE ... IF NOT EXISTS alone can still fail on a concurrent create).
      const lock = `SELECT pg_advisory_xact_lock(hashtext('armalo-webhooks:${table.sql.replaceAll("'", "''")}'));\n`;
      await pool.query({ text: lock + migrationSql(tableOption) });
    },
    async prune(pruneOptions = {}) {
      const batchSize = pruneOptions.batchSize ?? 10_000;
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new RangeError('armalo-webhooks/postgres: `batchSize` must be a positive integer');
      }
      let total = 0;
      for (const statement of ['prune', 'pruneWatermarks'] as const) {
        for (;;) {
          const { rowCount } = await query(statement, [batchSize]);
          total += rowCount ?? 0;
          if ((rowCount ?? 0) < batchSize) break;
        }
      }
      return total;
    },
  };
}

/** A timestamp in whole milliseconds, as the watermark column holds them. */
function timestamp(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`armalo-webhooks/postgres: invalid timestamp ${ms}`);
  return String(Math.floor(ms));
}

/** Whole milliseconds, at least 1. */
function milliseconds(ms: number): number {
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new RangeError(`armalo-webhooks/postgres: invalid duration ${ms}`);
  return Math.max(1, Math.ceil(Math.min(ms, FOREVER_MS)));
}
