export {
  createPgBossInbox,
  type PgBossInbox,
  type PgBossInboxConnection,
  type PgBossInboxOptions,
} from './create-pg-boss-inbox.js';
export type { PgBossTransactionClient } from './context.js';
export { openPglite, type PGliteInstance } from './pglite-database.js';
