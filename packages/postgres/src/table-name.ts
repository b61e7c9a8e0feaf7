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
