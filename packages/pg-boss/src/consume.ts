import type { ConsumeOptions, InboxConsumer, InboxOutcome, StoredDelivery } from '@armalo-webhooks/core';
import { unexpectedFailure, untilDeadline } from '@armalo-webhooks/core/engine-kit';
import type { JobAttempt, PgBoss } from 'pg-boss';
import type { PgBossTransactionClient } from './context.js';
import type { Database, Transaction } from './database.js';
import { DEAD_NOW, type DeliveryJob, deliveryOf, staleOutput, toFailure, tryOf } from './entries.js';
import type { PgFreshness } from './freshness.js';

/** What the loop needs from the inbox. */
export interface ConsumeContext {
  boss: PgBoss;
  database: Database;
  queue: string;
  pollIntervalMs: number;
  /** The watermarks, when the worker's receiver uses `freshness`. */
  freshness?: PgFreshness;
  /** Told when pg-boss says the queue is gone, so the next call creates it again. */
  onQueueMissing(error: unknown): void;
}

/**
 * pg-boss answers `{ affected }` to the calls that settle a job; a job whose claim lapsed (it
 * expired and was handed out again) is left alone and not counted (see pg-boss's `JobAttempt`).
 */
interface Settled {
  affected?: number;
}

/**
 * Our own loop over `boss.fetch()`: it keeps up to `concurrency` jobs in hand and sleeps only when
 * a fetch comes back empty. pg-boss's `work()` waits its polling interval (at least 500 ms) after
 * every batch that is not full, which caps a worker at two jobs a second per slot.
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
      let jobs: DeliveryJob[];
      try {
        jobs = await context.boss.fetch<StoredDelivery>(context.queue, { batchSize: free, includeMetadata: true });
      } catch (error) {
        context.onQueueMissing(error);
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
      // Jobs still running at the deadline stay `active`; pg-boss's expiry hands them out again.
      await untilDeadline(Promise.allSettled([loop, ...inFlight]), timeoutMs);
    },
  };
}

/**
 * One job, exactly once: the handlers' writes (through `ctx.pg`) and the job's completion commit
 * in one transaction. The completion is fenced to the attempt that was fetched, so if the job
 * expired meanwhile and another worker holds it now, it is not completed, and this run's writes
 * roll back: only one run's effects ever commit. The completed job is the processed record.
 */
async function runJob(context: ConsumeContext, options: ConsumeOptions, job: DeliveryJob): Promise<void> {
  if (isDeadNow(job.output)) return deadLetter(context, job);
  const { boss, queue } = context;
  const attempt = tryOf(job);
  const run = lazyTransaction(context.database);
  let outcome: InboxOutcome;
  try {
    outcome = await options.process({
      id: job.id,
      delivery: deliveryOf(job),
      attempt,
      enqueuedAt: new Date(job.createdOn),
      context: { pg: run.client },
    });
  } catch (error) {
    options.onError(error);
    outcome = unexpectedFailure(error, attempt);
  }
  const tx = await run.end();
  if (outcome.status !== 'completed' && outcome.status !== 'stale') {
    await tx?.rollback();
    return settleFailure(context, job, outcome);
  }
  // A stale job completes too, marked so: list, get and stats tell it apart.
  const output = outcome.status === 'stale' ? staleOutput(outcome.watermarkMs) : null;
  if (tx === undefined) {
    const done: Settled = await boss.complete(queue, attemptOf(job), output);
    if (done.affected !== 1) throw lost(job);
    return;
  }
  try {
    if (outcome.status === 'stale') await context.freshness?.recordStale(tx.db, job.id);
    const done: Settled = await boss.complete(queue, attemptOf(job), output, { db: tx.db });
    if (done.affected !== 1) throw lost(job);
  } catch (error) {
    await tx.rollback();
    throw error;
  }
  await tx.commit();
}

/**
 * Retry at core's time, or dead-letter: pg-boss's `fail()` and `update()` in one transaction, so
 * no state in between is seen. pg-boss dead-letters a job that fails with no retry left; a job
 * core gives up on earlier (its data no longer validates, its tries ran out in crashes) is failed
 * marked {@link DEAD_NOW} with its retry limit set to the next try, and the claim that follows
 * (any worker's, at once) fails it again, for good: pg-boss 12 has no public call that fails a
 * fetched job past its remaining retries.
 */
async function settleFailure(
  context: ConsumeContext,
  job: DeliveryJob,
  outcome: Extract<InboxOutcome, { status: 'retry' | 'dead' }>,
): Promise<void> {
  const { boss, queue } = context;
  const retriesLeft = job.retryCount < job.retryLimit;
  const deadNow = outcome.status === 'dead' && retriesLeft;
  await context.database.transaction(async (tx) => {
    const output = deadNow ? { ...outcome.error, [DEAD_NOW]: true } : outcome.error;
    const failed: Settled = await boss.fail(queue, attemptOf(job), output, { db: tx.db });
    if (failed.affected !== 1) throw lost(job);
    if (outcome.status === 'retry' && retriesLeft) {
      await boss.update(queue, undefined, {
        id: job.id,
        startAfter: new Date(Date.now() + outcome.delayMs),
        db: tx.db,
      });
    } else if (deadNow) {
      await boss.update(queue, undefined, { id: job.id, retryLimit: job.retryCount + 1, db: tx.db });
    }
  });
}

/** The second half of {@link settleFailure}'s early dead letter: no retry is left now. */
async function deadLetter(context: ConsumeContext, job: DeliveryJob): Promise<void> {
  await context.database.transaction(async (tx) => {
    const failed: Settled = await context.boss.fail(context.queue, attemptOf(job), toFailure(job.output) ?? null, {
      db: tx.db,
    });
    if (failed.affected !== 1) throw lost(job);
  });
}

function isDeadNow(output: unknown): boolean {
  return output !== null && typeof output === 'object' && (output as Record<string, unknown>)[DEAD_NOW] === true;
}

function attemptOf(job: DeliveryJob): JobAttempt {
  return { id: job.id, retryCount: job.retryCount };
}

function lost(job: DeliveryJob): Error {
  return new Error(
    `job ${job.id} (delivery ${job.data.deliveryId}) expired while it ran and was handed out again; this run's writes were rolled back (raise expireInSeconds above your slowest handler)`,
  );
}

/**
 * `ctx.pg`, opening its transaction at the first statement. A handler that never writes through
 * it holds no connection, and on PGlite (one connection) does not hold up every other statement
 * while it works.
 */
function lazyTransaction(database: Database): {
  client: PgBossTransactionClient;
  /** Ends the handlers' use; answers the transaction they opened, if any. */
  end(): Promise<Transaction | undefined>;
} {
  let opening: Promise<Transaction> | undefined;
  let over = false;
  return {
    client: {
      query: (async (text: string, values?: unknown[]) => {
        if (over) throw new Error('ctx.pg was used after the handlers returned: its transaction is over');
        opening ??= database.begin();
        return (await opening).client.query(text, values);
      }) as PgBossTransactionClient['query'],
    },
    async end() {
      over = true;
      // A transaction that failed to open failed the handler's statement too.
      return opening?.catch(() => undefined);
    },
  };
}
