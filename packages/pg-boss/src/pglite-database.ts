import type { Db } from 'pg-boss';
import type { PgBossTransactionClient } from './context.js';
import { type Database, inTransaction, type SqlResult, type Transaction } from './database.js';
import { lockDirectory } from './directory-lock.js';

interface PGliteResults {
  rows: Record<string, unknown>[];
  rowCount?: number;
  affectedRows?: number;
}

/** What the inbox uses of a PGlite transaction. */
interface PGliteTransaction {
  query(text: string, values?: unknown[]): Promise<PGliteResults>;
  exec(text: string): Promise<PGliteResults[]>;
  rollback(): Promise<void>;
}

/**
 * What the inbox uses of a `PGlite` instance (`@electric-sql/pglite`), described here so that the
 * package's types do not need PGlite installed.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const pglite: PGliteInstance = await PGlite.create('./.armalo-inbox');
 * ```
 */
export interface PGliteInstance {
  query(text: string, values?: unknown[]): Promise<PGliteResults>;
  exec(text: string): Promise<PGliteResults[]>;
  transaction<T>(work: (tx: PGliteTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly closed?: boolean;
}

/**
 * Opens the PGlite database in `dataDir` the way `createPgBossInbox({ pglite: dataDir })` does:
 * created on first use, and locked to this process until it is closed (PGlite itself lets a
 * second process open the same directory, and the two then overwrite each other's files). Use it
 * when your app also reads and writes that database: pass the instance to
 * `createPgBossInbox({ pglite })` and query it yourself. `@electric-sql/pglite` is an optional
 * peer dependency, loaded only here.
 *
 * @example
 * ```ts
 * import { createPgBossInbox, openPglite } from '@armalo-webhooks/pg-boss';
 * const pglite = await openPglite('./.armalo-inbox');
 * const inbox = createPgBossInbox({ pglite });
 * const { rows } = await pglite.query('SELECT count(*) FROM scores');
 * ```
 */
export async function openPglite(dataDir: string): Promise<PGliteInstance> {
  let module: { PGlite: { create(dataDir: string): Promise<PGliteInstance> } };
  try {
    module = (await import('@electric-sql/pglite')) as unknown as typeof module;
  } catch (cause) {
    throw new Error(
      'armalo-webhooks: createPgBossInbox({ pglite }) needs @electric-sql/pglite: npm install @electric-sql/pglite@0.5',
      { cause },
    );
  }
  const unlock = lockDirectory(dataDir);
  try {
    const pglite = await module.PGlite.create(dataDir);
    const close = pglite.close.bind(pglite);
    pglite.close = async () => {
      try {
        await close();
      } finally {
        unlock();
      }
    };
    return pglite;
  } catch (error) {
    unlock();
    throw error;
  }
}

/** pg-boss sends statements without parameters as one multi-statement string, which only exec() runs. */
async function execute(
  target: PGliteTransaction | PGliteInstance,
  text: string,
  values?: unknown[],
): Promise<SqlResult> {
  if (values !== undefined && values.length > 0) return target.query(text, values);
  const results = await target.exec(text);
  return { rows: results.flatMap((result) => result.rows ?? []) };
}

/** ctx.pg on PGlite: `pg`'s result shape, `rowCount` included. */
function transactionClient(tx: PGliteTransaction): PgBossTransactionClient {
  return {
    query: (async (text: string, values?: unknown[]) => {
      const result = await tx.query(text, values);
      return { ...result, rowCount: result.rowCount ?? result.affectedRows ?? null };
    }) as PgBossTransactionClient['query'],
  };
}

/**
 * A database on one PGlite instance: one connection, so a transaction holds it, and every other
 * statement (an enqueue, a fetch) waits until it commits. Workers therefore open a handler's
 * transaction only when the handler first uses `ctx.pg` (see consume.ts).
 */
export function pgliteDatabase(instance: () => Promise<PGliteInstance>, pgBossDb: Db, owned: boolean): Database {
  let opened: PGliteInstance | undefined;
  async function begin(): Promise<Transaction> {
    const pglite = await instance();
    opened = pglite;
    let decide!: (how: 'commit' | 'rollback') => void;
    const decided = new Promise<'commit' | 'rollback'>((resolve) => {
      decide = resolve;
    });
    let began!: (tx: PGliteTransaction) => void;
    const open = new Promise<PGliteTransaction>((resolve) => {
      began = resolve;
    });
    const finished = pglite.transaction(async (tx) => {
      began(tx);
      if ((await decided) === 'rollback') await tx.rollback();
    });
    // BEGIN failing rejects `finished` before the callback runs.
    const tx = await Promise.race([
      open,
      finished.then(() => {
        throw new Error('the PGlite transaction ended before it began');
      }),
    ]);
    return {
      db: { executeSql: (text, values) => execute(tx, text, values) },
      client: transactionClient(tx),
      async commit() {
        decide('commit');
        await finished;
      },
      async rollback() {
        decide('rollback');
        await finished.catch(() => {});
      },
    };
  }
  return {
    kind: 'pglite',
    db: pgBossDb,
    begin,
    transaction: (work) => inTransaction(begin, work),
    close: async () => {
      // The instance the inbox opened; opened by pg-boss's first statement if not by a transaction.
      const pglite = opened ?? (owned ? await instance().catch(() => undefined) : undefined);
      if (owned && pglite !== undefined && !pglite.closed) await pglite.close();
    },
  };
}
