import { createHash } from 'node:crypto';
import { parseTableName } from './table-name.js';

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
 * @example
 * ```ts
 * import { migrationSql } from '@armalo-webhooks/postgres';
 * await pool.query(migrationSql('webhooks.idempotency'));
 * ```
 */
export function migrationSql(table: string = DEFAULT_TABLE): string {
  const { sql, name } = parseTableName(table);
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
