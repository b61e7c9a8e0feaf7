/**
 * What the store sends: a `pg` query config. `name` makes `pg` prepare the statement once per
 * connection and reuse the plan.
 *
 * @example
 * ```ts
 * const config: PgQueryConfig = { name: 'release', text: 'DELETE FROM t WHERE key = $1', values: ['k'] };
 * ```
 */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
}

/**
 * The part of a `pg` `Pool` (or `Client`) the store uses, so the package never imports `pg`
 * itself and works with any compatible pool.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool: PgPoolLike = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface PgPoolLike {
  query(config: PgQueryConfig): Promise<{ rows: unknown[]; rowCount: number | null }>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
