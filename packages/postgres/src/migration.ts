import { createHash } from 'node:crypto';
import { parseTableName, shortName, watermarkTable } from './table-name.js';

/**
 * The table used when `table` is not given.
 *
 * @example
 * ```ts
 * import { DEFAULT_TABLE } from '@armalo-webhooks/postgres';
 * await pool.query(`SELECT count(*) FROM ${DEFAULT_TABLE} WHERE state = 'leased'`);
 * ```
 */
export const DEFAULT_TABLE = 'armalo_webhook_idempotency';

/**
 * The SQL that creates the store's table and index; safe to run again (`IF NOT EXISTS`). Run it
 * with your migration tool, or call `store.migrate()`. `table` may be `schema.table`; the schema
 * must already exist.
 *
 * Columns: `key` (the delivery key), `state` (`leased` or `done`), `owner_token` (the claim's
 * token), `lease_expires_at` (when the current or last lease ends), `retain_until` (when a done
 * key may be forgotten; NULL while leased). The index serves `prune()`.
 *
 * The second table, `<table>_watermarks`, holds the freshness guard's watermarks (the receiver's
 * `freshness` option): per freshness key, `watermark_ms` (the newest handled envelope timestamp),
 * `advanced_by` (the token of the completion that set it), `owner_token` and `lease_expires_at`
 * (the delivery whose handlers run for the key), `retain_until` (when the watermark may be
 * forgotten). It is created even when `freshness` is unused, and stays empty then.
 *
 * @example
 * ```ts
 * import { migrationSql } from '@armalo-webhooks/postgres';
 * await pool.query(migrationSql('webhooks.idempotency'));
 * ```
 */
export function migrationSql(table: string = DEFAULT_TABLE): string {
  const parsed = parseTableName(table);
  const { sql, name } = parsed;
  const watermarks = watermarkTable(parsed);
  // Index names share the 63-byte limit; a long table name is cut and made unique with a hash.
  const base =
    name.length <= 48 ? name : `${name.slice(0, 39)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  const index = `"${base}_expiry_idx"`;
  return `CREATE TABLE IF NOT EXISTS ${sql} (
  key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('leased', 'done')),
  owner_token text NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  retain_until timestamptz,
  CHECK ((state = 'done') = (retain_until IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS ${index} ON ${sql} ((coalesce(retain_until, lease_expires_at)));
CREATE TABLE IF NOT EXISTS ${watermarks.sql} (
  key text PRIMARY KEY,
  watermark_ms bigint,
  advanced_by text,
  owner_token text,
  lease_expires_at timestamptz NOT NULL,
  retain_until timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "${shortName(watermarks.name, '_expiry_idx')}" ON ${watermarks.sql} (retain_until);
`;
}

/**
 * {@link migrationSql} for the default table name, as a plain string for migration tools.
 *
 * @example
 * ```ts
 * import { MIGRATION_SQL } from '@armalo-webhooks/postgres';
 * fs.writeFileSync('migrations/0007_armalo_webhooks.sql', MIGRATION_SQL);
 * ```
 */
export const MIGRATION_SQL: string = migrationSql();
