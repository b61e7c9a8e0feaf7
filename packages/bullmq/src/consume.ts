import type { ConsumeOptions, InboxConsumer, InboxFailure } from '@armalo-webhooks/core';
import { UNEXPECTED_RETRY_MS, untilDeadline } from '@armalo-webhooks/core/engine-kit';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from './job-data.js';

/** What the worker needs from the inbox. */
export interface WorkerSettings {
  queue: string;
  prefix: string;
  connection: Redis;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/** A failure carrying core's backoff to the backoff strategy below. */
class RetryLater extends Error {
  constructor(
    readonly failure: InboxFailure,
    readonly delayMs: number,
  ) {
    super(failure.message);
    this.name = 'RetryLater';
  }
}

/**
 * A BullMQ worker running core's processing. BullMQ does the rest: locks, retries (the delay is
 * core's, through `backoffStrategy`), the failed set as dead letters (an `UnrecoverableError`
 * stops retries at once), and stalled-job recovery when a worker dies.
 */
export async function startWorker(settings: WorkerSettings, options: ConsumeOptions): Promise<InboxConsumer> {
  const worker = new Worker<JobData>(
    settings.queue,
    async (job: Job<JobData>) => {
      const { token: _token, lastError: _lastError, ...delivery } = job.data;
      const outcome = await options.process({
        id: job.id as string,
        delivery,
        // A start lost to a stall counts, like pg-boss's expiry: attemptsStarted includes it.
        attempt: Math.max(job.attemptsMade + 1, job.attemptsStarted ?? 0),
        enqueuedAt: new Date(job.timestamp),
      });
      if (outcome.status === 'completed') return;
      // Completed, with a return value that list, get and stats read as `stale`.
      if (outcome.status === 'stale') return { stale: true, watermark: new Date(outcome.watermarkMs).toISOString() };
      // BullMQ keeps only a message and a stack per failure: the whole failure goes into the data.
      await job.updateData({ ...job.data, lastError: outcome.error });
      if (outcome.status === 'dead') throw new UnrecoverableError(outcome.error.message);
      throw new RetryLater(outcome.error, outcome.delayMs);
    },
    {
      connection: settings.connection,
      prefix: settings.prefix,
      concurrency: options.concurrency,
      lockDuration: settings.lockDurationMs,
      // The stalled check is throttled per queue by the interval of whichever worker ran it last:
      // every worker of a queue must use the same value, so it is the inbox's setting, not the worker's.
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      settings: {
        backoffStrategy: (_attemptsMade, _type, error) =>
          error instanceof RetryLater ? error.delayMs : UNEXPECTED_RETRY_MS,
      },
    },
  );
  worker.on('error', options.onError);
  await worker.waitUntilReady();
  return {
    async stop(timeoutMs) {
      const finished = await untilDeadline(worker.close(), timeoutMs);
      // Jobs still running keep their lock until it lapses; the stalled check then hands them out again.
      if (!finished) await worker.close(true);
      settings.connection.disconnect();
    },
  };
}
