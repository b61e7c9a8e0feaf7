import type pg from 'pg';
import type { Db } from 'pg-boss';
import type { PgBossTransactionClient } from './context.js';

/** A statement's result as pg-boss reads it. */
export interface SqlResult {
  rows: Record<string, unknown>[];
}

/**
 * An open transaction: `db` runs pg-boss's own statements in it (its `{ db }` option), `client`
 * the handlers' (`ctx.pg`). `commit` rejects if the commit fails; `rollback` never rejects.
 */
export interface Transaction {
  db: Db;
  client: PgBossTransactionClient;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * Where the inbox's statements run: a `pg` pool on a PostgreSQL server, or one PGlite instance.
 * `db` is what pg-boss is given; `begin` opens a transaction for a worker's exactly-once run.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  db: Db;
  begin(): Promise<Transaction>;
  /** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Releases what the inbox opened itself (never a pool or PGlite you passed in). */
  close(): Promise<void>;
}

/** Runs `work` in a transaction of `database`. */
export async function inTransaction<T>(
  begin: () => Promise<Transaction>,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const tx = await begin();
  let result: T;
  try {
    result = await work(tx);
  } catch (error) {
    await tx.rollback();
    throw error;
  }
  await tx.commit();
  return result;
}

/**
 * A statement with `pg`'s client-side read timeout (`query_timeout`, which `@types/pg` does not
 * declare); none when `timeoutMs` is not finite or 0.
 */
export function timedQuery(
  target: pg.Pool | pg.PoolClient,
  text: string,
  values: unknown[] | undefined,
  timeoutMs: number,
): Promise<pg.QueryResult> {
  const config: pg.QueryConfig & { query_timeout?: number } = { text, values: values ?? [] };
  if (Number.isFinite(timeoutMs) && timeoutMs > 0) config.query_timeout = timeoutMs;
  return target.query(config);
}

/** Timeouts of the statements the inbox runs on a server; see `PgBossInboxOptions.queryTimeoutMs`. */
export interface PoolTimeouts {
  /** Longest wait for any statement of pg-boss's or the inbox's own (not the handlers'). */
  queryTimeoutMs: number;
}

/**
 * A database on a `pg` pool. Every statement of pg-boss's and of the inbox carries a client-side
 * read timeout: a connection that went silent (a failover, a load balancer or NAT that dropped
 * its state) fails the statement instead of hanging it, and a client whose statement failed is
 * destroyed rather than reused, so the pool heals with new connections.
 */
export function poolDatabase(pool: pg.Pool, timeouts: PoolTimeouts, owned: boolean): Database {
  const db: Db = {
    executeSql: (text, values) => timedQuery(pool, text, values, timeouts.queryTimeoutMs),
  };
  async function begin(): Promise<Transaction> {
    const client = await pool.connect();
    // pg-pool listens for a client's 'error' only while it is idle: one that dies mid-transaction
    // would otherwise be an uncaught exception. A client that errored is destroyed on release.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      client.off('error', onError);
      client.release(broken);
    };
    const run = async (text: string, values?: unknown[], timeout = timeouts.queryTimeoutMs) => {
      try {
        return await timedQuery(client, text, values, timeout);
      } catch (error) {
        // A statement that timed out leaves the connection in an unknown state: never reuse it.
        if ((error as Error).message === 'Query read timeout') broken ??= error as Error;
        throw error;
      }
    };
    try {
      await run('BEGIN');
    } catch (error) {
      broken ??= error as Error;
      release();
      throw error;
    }
    return {
      db: { executeSql: (text, values) => run(text, values) },
      // The handlers' own statements may take as long as they need.
      client: {
        query: ((text: string, values?: unknown[]) => run(text, values, 0)) as PgBossTransactionClient['query'],
      },
      async commit() {
        try {
          await run('COMMIT');
        } catch (error) {
          broken ??= error as Error;
          throw error;
        } finally {
          release();
        }
      },
      async rollback() {
        if (released) return;
        await run('ROLLBACK').catch((error: Error) => {
          broken ??= error;
        });
        release();
      },
    };
  }
  return {
    kind: 'postgres',
    db,
    begin,
    transaction: (work) => inTransaction(begin, work),
    close: async () => {
      if (owned) await pool.end();
    },
  };
}
