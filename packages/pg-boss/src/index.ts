export type { PgBossTransactionClient } from './context.js';
export {
  createPgBossInbox,
  type PgBossInbox,
  type PgBossInboxConnection,
  type PgBossInboxOptions,
} from './create-pg-boss-inbox.js';
export { openPglite, type PGliteInstance } from './pglite-database.js';
