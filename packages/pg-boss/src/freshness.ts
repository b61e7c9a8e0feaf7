import type { FreshnessBegin, InboxFreshness, InboxJob } from '@armalo-webhooks/core';
import type { Db } from 'pg-boss';

/**
 * The inbox's own table of watermarks when `freshnessTable` is not given.
 *
 * @example
 * ```ts
 * const table = options.freshnessTable ?? DEFAULT_FRESHNESS_TABLE; // 'armalo_webhooks_freshness'
 * ```
 */
export const DEFAULT_FRESHNESS_TABLE = 'armalo_webhooks_freshness';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `table` or `schema.table`, quoted; plain identifiers only (it is written into SQL). */
export function freshnessTableSql(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(
      `armalo-webhooks: freshnessTable must be \`table\` or \`schema.table\` made of letters, digits and _, got ${JSON.stringify(name)}`,
    );
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/**
 * The SQL that creates the watermark table (and its schema): one row per queue and freshness key,
 * `watermark` the newest handled envelope timestamp (ms), `previous` the one it replaced (what
 * `ctx.freshness.watermark` reports), `retain_until` when the row may go. Stale jobs are recorded in
 * `<table>_stale` for `stats()`. Safe to run again. Workers of a receiver with `freshness` run it
 * themselves when they start; use it when tables come from your migration tool.
 *
 * @example
 * ```ts
 * import { freshnessMigrationSql } from '@armalo-webhooks/pg-boss';
 * await pool.query(freshnessMigrationSql('webhooks.freshness')); // the inbox's `freshnessTable`
 * ```
 */
export function freshnessMigrationSql(name: string = DEFAULT_FRESHNESS_TABLE): string {
  const table = freshnessTableSql(name);
  const schema = name.includes('.') ? `CREATE SCHEMA IF NOT EXISTS "${name.split('.')[0]}";\n` : '';
  const stale = freshnessTableSql(`${name}_stale`);
  return `${schema}CREATE TABLE IF NOT EXISTS ${table} (
  queue text NOT NULL,
  key text NOT NULL,
  watermark bigint NOT NULL,
  previous bigint,
  retain_until timestamptz NOT NULL,
  PRIMARY KEY (queue, key)
);
CREATE TABLE IF NOT EXISTS ${stale} (
  queue text NOT NULL,
  job_id text NOT NULL,
  settled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue, job_id)
);`;
}

/** What the pg-boss inbox's freshness needs. */
export interface PgFreshnessSettings {
  /** As given (`table` or `schema.table`). */
  table: string;
  queue: string;
  /** How long a watermark is kept after its last advance: the retention of completed deliveries. */
  retentionMs: () => number;
}

/** The pg-boss inbox's freshness, with the table's upkeep and the stale count. */
export interface PgFreshness extends InboxFreshness {
  /** Creates the tables if missing; every worker runs it before fetching (safe from many processes at once). */
  prepare(db: Db): Promise<void>;
  /** Records a stale job in its settling transaction (`stats().stale`). */
  recordStale(db: Db, jobId: string): Promise<void>;
  /** Stale jobs still within the retention. */
  staleCount(db: Db): Promise<number>;
  /** Deletes watermarks and stale records past their retention. */
  sweep(db: Db): Promise<void>;
}

/**
 * The watermarks of a pg-boss inbox, in a table of the package's own (never one of pg-boss's), used
 * inside the job's transaction (`ctx.pg`): `begin` upserts the key's row with the delivery's
 * timestamp unless the row is newer, which takes the row's lock until the transaction ends. So a
 * second delivery of the same key waits until the first committed or rolled back, the watermark's
 * rise commits with the handlers' writes and the job's completion (one atom), and a failure rolls
 * it back. `advance` has nothing left to do but answer.
 */
export function createPgFreshness(settings: PgFreshnessSettings): PgFreshness {
  const table = freshnessTableSql(settings.table);
  const stale = freshnessTableSql(`${settings.table}_stale`);
  const retention = () => `${Math.ceil(settings.retentionMs())} milliseconds`;
  // Whether begin found the delivery newer than the watermark: what advance answers.
  const raises = new WeakMap<InboxJob, boolean>();

  const upsert = `INSERT INTO ${table} AS w (queue, key, watermark, retain_until)
VALUES ($1, $2, $3, now() + $4::interval)
ON CONFLICT (queue, key) DO UPDATE
  SET previous = w.watermark, watermark = EXCLUDED.watermark, retain_until = EXCLUDED.retain_until
  WHERE w.watermark <= EXCLUDED.watermark
RETURNING previous`;

  return {
    async begin(job, mark): Promise<FreshnessBegin> {
      const client = job.context?.pg;
      if (client === undefined) throw new Error('the pg-boss inbox gave this job no transaction');
      const { rows } = await client.query<{ previous: string | null }>(upsert, [
        settings.queue,
        mark.key,
        mark.timestampMs,
        retention(),
      ]);
      const row = rows[0];
      if (row === undefined) {
        // Newer already: the row is locked by the upsert all the same, so this read is current.
        const found = await client.query<{ watermark: string }>(
          `SELECT watermark FROM ${table} WHERE queue = $1 AND key = $2`,
          [settings.queue, mark.key],
        );
        return { status: 'stale', watermarkMs: Number(found.rows[0]?.watermark) };
      }
      const watermarkMs = row.previous === null ? undefined : Number(row.previous);
      raises.set(job, watermarkMs === undefined || mark.timestampMs > watermarkMs);
      return { status: 'fresh', watermarkMs };
    },
    // The upsert is in the job's transaction: it commits with the handlers' writes.
    async advance(job) {
      return raises.get(job) ?? false;
    },
    async prepare(db) {
      const lock = `SELECT pg_advisory_xact_lock(hashtext('armalo-webhooks:${table.replaceAll("'", "''")}'));`;
      await db.executeSql(`BEGIN;\n${lock}\n${freshnessMigrationSql(settings.table)}\nCOMMIT;`);
    },
    async recordStale(db, jobId) {
      await db.executeSql(`INSERT INTO ${stale} (queue, job_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        settings.queue,
        jobId,
      ]);
    },
    async staleCount(db) {
      const { rows } = await db.executeSql(
        `SELECT count(*)::int AS n FROM ${stale} WHERE queue = $1 AND settled_at > now() - $2::interval`,
        [settings.queue, retention()],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async sweep(db) {
      await db.executeSql(`DELETE FROM ${table} WHERE queue = $1 AND retain_until < now()`, [settings.queue]);
      await db.executeSql(`DELETE FROM ${stale} WHERE queue = $1 AND settled_at < now() - $2::interval`, [
        settings.queue,
        retention(),
      ]);
    },
  };
}
