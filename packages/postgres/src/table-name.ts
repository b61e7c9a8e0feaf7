import { createHash } from 'node:crypto';

const PART = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER = 63;

/** A validated table name, its parts, and the SQL that names it. */
export interface TableName {
  /** As SQL: each part double-quoted, for example `"webhooks"."idempotency"`. */
  readonly sql: string;
  readonly schema: string | undefined;
  readonly name: string;
}

/**
 * Parses `table` or `schema.table`. Each part must be a plain identifier (letters, digits,
 * underscores, not starting with a digit, at most 63 bytes), and is double-quoted in SQL, so the
 * name is taken exactly as written (case included) and can never inject SQL.
 *
 * @example
 * ```ts
 * parseTableName('webhooks.idempotency').sql; // '"webhooks"."idempotency"'
 * ```
 */
export function parseTableName(table: string): TableName {
  if (typeof table !== 'string') throw new TypeError('armalo-webhooks/postgres: `table` must be a string');
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((part) => !PART.test(part) || part.length > MAX_IDENTIFIER)) {
    throw new RangeError(
      `armalo-webhooks/postgres: invalid table name ${JSON.stringify(table)}: use "table" or "schema.table", each part letters, digits and underscores (at most ${MAX_IDENTIFIER}), not starting with a digit`,
    );
  }
  const name = parts[parts.length - 1] as string;
  const schema = parts.length === 2 ? parts[0] : undefined;
  const sql = parts.map((part) => `"${part}"`).join('.');
  return { sql, schema, name };
}

/**
 * The table of freshness watermarks that goes with a store's table: `<table>_watermarks`, in the
 * same schema (a name that would pass 63 bytes is cut and made unique with a hash).
 *
 * @example
 * ```ts
 * watermarkTable(parseTableName('webhooks.idempotency')).sql; // '"webhooks"."idempotency_watermarks"'
 * ```
 */
export function watermarkTable(table: TableName): TableName {
  const name = shortName(table.name, '_watermarks');
  const parts = table.schema === undefined ? [name] : [table.schema, name];
  return { sql: parts.map((part) => `"${part}"`).join('.'), schema: table.schema, name };
}

/** `name` + `suffix` within the 63-byte identifier limit: a long name is cut and made unique with a hash. */
export function shortName(name: string, suffix: string): string {
  const full = name + suffix;
  if (full.length <= MAX_IDENTIFIER) return full;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER - suffix.length - 9)}_${hash}${suffix}`;
}
