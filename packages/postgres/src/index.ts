export {
  createPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
  type PruneOptions,
} from './create-postgres-store.js';
export { DEFAULT_TABLE, MIGRATION_SQL, migrationSql } from './migration.js';
export type { PgPoolLike, PgQueryConfig } from './pool.js';
