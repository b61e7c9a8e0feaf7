import type { ConsumeOptions, InboxConsumer, InboxOutcome, StoredDelivery } from '@armalo-webhooks/core';
import type { Pool, PoolClient } from 'pg';
import type PgBoss from 'pg-boss';
import type { Statements } from './sql.js';

/** What the loop needs from the inbox. */
export interface ConsumeContext {
  boss: PgBoss;
  pool: Pool;
  queue: string;
  sql: Statements;
  pollIntervalMs: number;
}

type FetchedJob = PgBoss.JobWithMetadata<StoredDelivery>;

/**
 * Our own loop over `boss.fetch()`: pg-boss 10's `work()` sleeps a whole polling interval after
 * every batch, even with jobs waiting, which caps a worker at a few jobs a second (see the
 * package README's benchmark). This one keeps up to `concurrency` jobs in hand and sleeps only
 * when a fetch comes back empty.
 */
export function startConsumer(context: ConsumeContext, options: ConsumeOptions): InboxConsumer {
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | undefined;
  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!stopping) {
      const free = options.concurrency - inFlight.size;
      if (free <= 0) {
        await rest(context.pollIntervalMs); // woken as soon as a slot frees
        continue;
      }
      let jobs: FetchedJob[];
      try {
        jobs = (await context.boss.fetch<StoredDelivery>(context.queue, {
          batchSize: free,
          includeMetadata: true,
        })) as FetchedJob[];
      } catch (error) {
        options.onError(error);
        jobs = [];
      }
      // Jobs fetched while stop() was called are in hand: they run, and stop() waits for them.
      if (jobs.length === 0 && !stopping) {
        await rest(context.pollIntervalMs);
        continue;
      }
      for (const job of jobs) {
        const running: Promise<void> = runJob(context, options, job)
          .catch(options.onError)
          .finally(() => {
            inFlight.delete(running);
            wake?.();
          });
        inFlight.add(running);
      }
    }
  })();

  return {
    async stop(timeoutMs) {
      stopping = true;
      wake?.();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      // Jobs still running at the deadline stay `active`; pg-boss's expiry hands them out again.
      await Promise.race([Promise.allSettled([loop, ...inFlight]), deadline]);
      clearTimeout(timer);
    },
  };
}

/**
 * One job, exactly once: the processed row, the handlers' writes (through `ctx.pg`) and the job's
 * completion commit in one transaction. A crash before the commit leaves the job active for pg-boss
 * to expire and hand out again, with nothing written; after it, the job is already complete.
 */
async function runJob(context: ConsumeContext, options: ConsumeOptions, job: FetchedJob): Promise<void> {
  const { boss, queue, sql } = context;
  const { client, release } = await checkout(context.pool, options.onError);
  const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
  let outcome: InboxOutcome;
  try {
    await client.query('BEGIN');
    const marked = await client.query(sql.markProcessed, [job.id, job.data.deliveryId]);
    // Already processed by a run that committed (a job that expired while its first run was
    // finishing): nothing to run, only the completion, which that run has made too.
    outcome =
      marked.rowCount === 1
        ? await options.process({
            id: job.id,
            delivery: job.data,
            attempt: job.retryCount + 1,
            enqueuedAt: job.createdOn,
            context: { pg: client },
          })
        : { status: 'completed' };
    if (outcome.status === 'completed') {
      const completed = await complete(boss, queue, job.id, db);
      // Not active any more: it expired and another worker holds it now. Roll back so that only
      // one run's effects ever commit.
      if (completed.affected !== 1) throw new Error(`job ${job.id} is no longer active (expired?)`);
      await client.query('COMMIT');
      return;
    }
    await client.query('ROLLBACK');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    release();
  }
  await settleFailure(context, job.id, outcome, options.onError);
}

/** Retry after core's delay, or dead-letter now: one transaction, so no state in between is seen. */
async function settleFailure(
  context: ConsumeContext,
  id: string,
  outcome: Exclude<InboxOutcome, { status: 'completed' }>,
  onError: (error: unknown) => void,
): Promise<void> {
  await transaction(context.pool, onError, async (client) => {
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
    if (outcome.status === 'dead') await client.query(context.sql.noRetryLeft, [context.queue, id]);
    await context.boss.fail(context.queue, id, outcome.error as unknown as object, { db });
    if (outcome.status === 'retry') await client.query(context.sql.delayRetry, [context.queue, id, outcome.delayMs]);
  });
}

/**
 * pg-boss 10's `complete(name, id, data, { db })` answers `{ affected }` at run time, but its
 * types declare `void`: this names the real shape, in one place.
 */
function complete(boss: PgBoss, queue: string, id: string, db: PgBoss.Db): Promise<{ affected: number }> {
  const call = boss.complete as unknown as (
    name: string,
    id: string,
    data: null,
    options: { db: PgBoss.Db },
  ) => Promise<{ affected: number }>;
  return call.call(boss, queue, id, null, { db });
}

async function transaction(
  pool: Pool,
  onError: (error: unknown) => void,
  work: (client: PoolClient) => Promise<void>,
): Promise<void> {
  const { client, release } = await checkout(pool, onError);
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    release();
  }
}

/**
 * A client taken from the pool. pg-pool listens for a client's `'error'` only while it is idle: a
 * connection terminated during a transaction would otherwise be an uncaught exception that kills
 * the worker. A client that errored is destroyed on release, not reused.
 */
async function checkout(
  pool: Pool,
  onError: (error: unknown) => void,
): Promise<{ client: PoolClient; release: () => void }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const listener = (error: Error) => {
    broken = error;
    onError(error);
  };
  client.on('error', listener);
  return {
    client,
    release: () => {
      client.off('error', listener);
      client.release(broken);
    },
  };
}
