export {
  createPgBossInbox,
  type PgBossInbox,
  type PgBossInboxConnection,
  type PgBossInboxOptions,
} from './create-pg-boss-inbox.js';
