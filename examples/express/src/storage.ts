import { createPgBossInbox, openPglite, type PgBossInbox } from '@armalo-webhooks/pg-boss';
import pg from 'pg';

/**
 * Where the example keeps its deliveries and what its handlers write: PGlite, an embedded
 * PostgreSQL in a directory (no server to run), or a PostgreSQL server when DATABASE_URL is set.
 * The inbox and the app's own table live in the same database, so a handler's writes commit with
 * its delivery's completion (`ctx.pg`).
 */
export interface Storage {
  inbox: PgBossInbox;
  /** The app's own statements, outside the handlers. */
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Where it is, for the startup line. */
  where: string;
  close(): Promise<void>;
}

export async function openStorage(env: NodeJS.ProcessEnv): Promise<Storage> {
  let storage: Storage;
  if (env.DATABASE_URL) {
    // The one option that moves the inbox to a PostgreSQL server.
    const inbox = createPgBossInbox({ connectionString: env.DATABASE_URL });
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    storage = {
      inbox,
      query: (text, values) => pool.query(text, values),
      where: 'PostgreSQL (DATABASE_URL)',
      close: async () => {
        await inbox.close();
        await pool.end();
      },
    };
  } else {
    const dir = env.ARMALO_INBOX_DIR ?? '.armalo-inbox';
    // Opened here, locked to this process, because the app queries it too.
    const pglite = await openPglite(dir);
    const inbox = createPgBossInbox({ pglite });
    storage = {
      inbox,
      query: (text, values) => pglite.query(text, values),
      where: `PGlite in ${dir}`,
      close: async () => {
        await inbox.close();
        await pglite.close();
      },
    };
  }
  // Starts pg-boss now (on a first start it creates its schema: PGlite's database too), so that the
  // first delivery does not wait for it. Needs CREATE rights, as the table below does.
  await storage.inbox.ready();
  await storage.query(`CREATE TABLE IF NOT EXISTS example_deliveries (
    id bigserial PRIMARY KEY,
    delivery_id text NOT NULL,
    event text NOT NULL,
    summary text NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now()
  )`);
  return storage;
}
