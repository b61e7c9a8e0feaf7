import pg from 'pg';
import { type Db, fromPglite, type PGliteLike, PgBoss } from 'pg-boss';
import type { PgBossInboxConnection, PgBossInboxOptions } from './create-pg-boss-inbox.js';
import { type Database, poolDatabase, timedQuery } from './database.js';
import { openPglite, type PGliteInstance, pgliteDatabase } from './pglite-database.js';

/**
 * What a connection option gives the inbox: the pg-boss to call, where workers run their
 * transactions, and what the inbox owns (and so closes).
 */
export interface Connected {
  boss: PgBoss;
  /** Where workers run their transactions; none with `{ boss }` and no pool. */
  database: Database | undefined;
  ownsBoss: boolean;
  /** The pool the inbox created, if it did. */
  ownPool?: pg.Pool;
  /** The `db` option of an enqueue's statements: the pool, with the enqueue's timeout. */
  enqueueDb: () => { db?: Db };
}

/** Opens what a connection option names: a pool and a pg-boss, a PGlite and a pg-boss, or nothing (your own). */
export function connect(
  connection: PgBossInboxConnection,
  settings: { schema: string; queryTimeoutMs: number; options: PgBossInboxOptions },
  enqueueTimeoutMs: () => number,
): Connected {
  const { schema, queryTimeoutMs, options } = settings;
  const maintenance = options.maintenanceIntervalSeconds ?? 60;
  const bossOptions = {
    schema,
    supervise: true,
    schedule: false,
    superviseIntervalSeconds: maintenance,
    monitorIntervalSeconds: maintenance,
    maintenanceIntervalSeconds: maintenance,
  };
  if ('pglite' in connection) {
    const given = typeof connection.pglite === 'string' ? undefined : connection.pglite;
    let opening: Promise<PGliteInstance> | undefined;
    const instance = () => {
      opening ??= (given ? Promise.resolve(given) : openPglite(connection.pglite as string)).catch((error) => {
        opening = undefined; // the next call tries again (the directory may be free by then)
        throw error;
      });
      return opening;
    };
    const adapters = new WeakMap<PGliteInstance, Db>();
    const db: Db = {
      async executeSql(text, values) {
        const pglite = await instance();
        let adapter = adapters.get(pglite);
        if (adapter === undefined) {
          adapter = fromPglite(pglite as unknown as PGliteLike);
          adapters.set(pglite, adapter);
        }
        return adapter.executeSql(text, values);
      },
    };
    const database = pgliteDatabase(instance, db, given === undefined);
    return {
      boss: new PgBoss({ ...bossOptions, db, backend: 'pglite' }),
      database,
      ownsBoss: true,
      enqueueDb: () => ({}),
    };
  }
  if ('connectionString' in connection) {
    const pool = new pg.Pool({
      connectionString: connection.connectionString,
      max: connection.max ?? 10,
      // A server that accepts connections and never answers must not hang a request forever.
      connectionTimeoutMillis: 5_000,
      // Finds a peer that vanished (no RST) on idle connections; statements time out on their own.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'armalo-webhooks',
    });
    const database = poolDatabase(pool, { queryTimeoutMs }, true);
    return {
      boss: new PgBoss({ ...bossOptions, db: database.db }),
      database,
      ownsBoss: true,
      ownPool: pool,
      enqueueDb: () => ({ db: timedDb(pool, enqueueTimeoutMs()) }),
    };
  }
  const pool = connection.pool;
  return {
    boss: connection.boss,
    database: pool && poolDatabase(pool, { queryTimeoutMs }, false),
    ownsBoss: false,
    enqueueDb: () => (pool ? { db: timedDb(pool, enqueueTimeoutMs()) } : {}),
  };
}

function timedDb(pool: pg.Pool, timeoutMs: number): Db {
  return { executeSql: (text, values) => timedQuery(pool, text, values, timeoutMs) };
}
