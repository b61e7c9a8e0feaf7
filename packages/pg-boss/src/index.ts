export type { PgBossTransactionClient } from './context.js';
export {
  createPgBossInbox,
  type PgBossInbox,
  type PgBossInboxConnection,
  type PgBossInboxOptions,
} from './create-pg-boss-inbox.js';
export { DEFAULT_FRESHNESS_TABLE, freshnessMigrationSql } from './freshness.js';
export { openPglite, type PGliteInstance } from './pglite-database.js';
