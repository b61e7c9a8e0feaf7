import { randomUUID } from 'node:crypto';
import type { Inbox, InboxEntry, InboxState, InboxStats, StoredDelivery } from '@armalo-webhooks/core';
import {
  ATTEMPT_CEILING,
  createReceiverSlot,
  listLimit,
  matchesFilter,
  matchesRedrive,
  replayDelivery,
  selectEntries,
} from '@armalo-webhooks/core/engine-kit';
import { listenForErrors } from '@armalo-webhooks/core/store-kit';
import { type Job, type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type BullMQConnection, webConnection, whenReady, workerConnection } from './connections.js';
import { startWorker } from './consume.js';
import { createBullMQFreshness, staleSetKey } from './freshness.js';
import type { JobData } from './job-data.js';
import { deliveryJobId } from './job-id.js';

/**
 * Options for {@link createBullMQInbox}.
 *
 * @example
 * ```ts
 * const options: BullMQInboxOptions = { connection: process.env.REDIS_URL!, queue: 'armalo-acme' };
 * ```
 */
export interface BullMQInboxOptions {
  /** Redis: a URL, ioredis options, or an ioredis client (the inbox duplicates it). */
  connection: BullMQConnection;
  /** The BullMQ queue (default `'armalo-webhooks'`). */
  queue?: string;
  /** BullMQ's key prefix (default `'armalo'`). */
  prefix?: string;
  /**
   * How long a completed delivery is kept, and so how long a re-send is answered `duplicate`.
   * Default: the receiver's replay window (7 days + 5 minutes with the default `tolerance`). Dead
   * letters are kept until redriven.
   */
  retentionSeconds?: number;
  /**
   * Longest wait for one Redis command on the web side (default 2 s); past it the receiver answers
   * 503, and a connection that stays silent that long is dropped and made again.
   */
  commandTimeoutMs?: number;
  /** A worker's lock on a job (default 30 s), renewed while its process lives. */
  lockDurationMs?: number;
  /**
   * How often workers look for jobs whose worker died (default 30 s). Recovery takes up to the
   * lock plus this. The same for every worker of the queue: set it here, once.
   */
  stalledIntervalMs?: number;
  /** Recoveries a job may have before it is dead-lettered (default 2). */
  maxStalledCount?: number;
  /** Told about Redis and BullMQ `'error'` events; default a throttled warning; `false` attaches none. */
  onError?: ((error: Error) => void) | false;
  /**
   * Not available: BullMQ's open-source edition has no per-key groups (they are a BullMQ Pro
   * feature), so per-key ordering cannot be kept. Passing it is a startup error, never a silent
   * no-op. Use the receiver's `freshness` option (latest wins per key), or the pg-boss inbox's `orderBy`.
   */
  orderBy?: never;
}

/**
 * The inbox on BullMQ, with its queue for anything this interface does not cover.
 *
 * @example
 * ```ts
 * const inbox: BullMQInbox = createBullMQInbox({ connection: 'redis://127.0.0.1:6379' });
 * await inbox.queue.getJobCounts();
 * ```
 */
export interface BullMQInbox extends Inbox {
  readonly queue: Queue<JobData>;
}

const TYPES: Record<InboxState, JobType[]> = {
  waiting: ['waiting', 'prioritized'],
  delayed: ['delayed'],
  active: ['active'],
  completed: ['completed'],
  // A stale job is a completed one whose return value says so.
  stale: ['completed'],
  dead: ['failed'],
  // Skipping is for per-key ordering, which this inbox does not have: no job is ever skipped.
  skipped: [],
};

/**
 * A durable inbox on Redis through BullMQ. A delivery is acknowledged once Redis has the job; how
 * durable that is depends on Redis's persistence (see the README: AOF). The job id is a digest of
 * the delivery id, so the same delivery sent again is answered `duplicate`. Processing is
 * at-least-once: make effects idempotent with `ctx.deliveryId`.
 *
 * @example
 * ```ts
 * import { createInboxWorker, createWebhookReceiver } from '@armalo-webhooks/core';
 * import { createBullMQInbox } from '@armalo-webhooks/bullmq';
 *
 * const inbox = createBullMQInbox({ connection: process.env.REDIS_URL! });
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET!, inbox });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   // At-least-once: a run after a crash must not apply the change twice.
 *   await db.query('INSERT INTO scores (delivery_id, score) VALUES ($1, $2) ON CONFLICT (delivery_id) DO NOTHING',
 *     [ctx.deliveryId, event.data.compositeScore]);
 * });
 * await createInboxWorker(webhooks, { concurrency: 8 }).start(); // in the worker process
 * ```
 */
export function createBullMQInbox(options: BullMQInboxOptions): BullMQInbox {
  refuseOrderBy(options);
  const name = options.queue ?? 'armalo-webhooks';
  const prefix = options.prefix ?? 'armalo';
  const receiver = createReceiverSlot({
    retentionMs: options.retentionSeconds === undefined ? undefined : options.retentionSeconds * 1000,
  });
  const client = webConnection(options.connection, options.commandTimeoutMs ?? 2_000);
  listenForErrors(client, options.onError, `BullMQ inbox (${name}): Redis error`, receiver.logger);
  const queue = new Queue<JobData>(name, { connection: client, prefix });
  listenForErrors(queue, options.onError, `BullMQ inbox (${name}): queue error`, receiver.logger);

  const lockDurationMs = options.lockDurationMs ?? 30_000;
  const stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
  // The worker's connection once a worker runs (freshness is used only there), else the web one.
  let workerClient: Redis | undefined;
  const freshness = createBullMQFreshness(
    {
      prefix,
      queue: name,
      leaseMs: 2 * lockDurationMs + stalledIntervalMs,
      retentionMs: () => receiver.retentionMs(),
    },
    () => workerClient ?? client,
  );

  async function add(delivery: StoredDelivery, jobId: string): Promise<boolean> {
    await whenReady(client);
    const token = randomUUID();
    await queue.add(
      delivery.event,
      { ...delivery, token },
      {
        jobId,
        attempts: ATTEMPT_CEILING,
        backoff: { type: 'armalo' },
        removeOnComplete: { age: Math.ceil(receiver.retentionMs() / 1000) },
        removeOnFail: false,
      },
    );
    // A duplicate add answers like a new one, built from our own arguments: only the data stored
    // under the id tells whether this call wrote it.
    const stored = await client.hget(`${prefix}:${name}:${jobId}`, 'data');
    return stored !== null && (JSON.parse(stored) as JobData).token === token;
  }

  async function entry(job: Job<JobData>, state?: InboxState): Promise<InboxEntry> {
    const { token: _token, lastError, ...delivery } = job.data;
    const found: InboxEntry = {
      id: job.id as string,
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      state: isStale(job.returnvalue) ? 'stale' : (state ?? toState(await job.getState())),
      attempts: Math.max(job.attemptsMade, job.attemptsStarted ?? 0),
      enqueuedAt: new Date(job.timestamp),
      delivery,
    };
    if (job.finishedOn) found.finishedAt = new Date(job.finishedOn);
    if (lastError) found.lastError = lastError;
    else if (job.failedReason) found.lastError = { code: 'HANDLER_FAILED', message: job.failedReason };
    return found;
  }

  /** A job by its id, or by the delivery id it stores. */
  async function find(id: string): Promise<Job<JobData> | undefined> {
    return (await queue.getJob(id)) ?? (await queue.getJob(deliveryJobId(id)));
  }

  async function jobsIn(states: InboxState[], limit: number): Promise<InboxEntry[]> {
    const found: InboxEntry[] = [];
    for (const state of states) {
      if (TYPES[state].length === 0) continue; // BullMQ reads every state for an empty list
      const jobs = await queue.getJobs(TYPES[state], 0, limit - 1, true);
      for (const job of jobs) if (job) found.push(await entry(job, state === 'stale' ? 'completed' : state));
    }
    return found;
  }

  return {
    kind: 'bullmq',
    queue,
    async enqueue(delivery) {
      return (await add(delivery, deliveryJobId(delivery.deliveryId))) ? 'queued' : 'duplicate';
    },
    async backlog() {
      await whenReady(client);
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    async consume(consumeOptions) {
      const connection = workerConnection(options.connection);
      listenForErrors(connection, options.onError, `BullMQ inbox (${name}): worker Redis error`, receiver.logger);
      workerClient = connection;
      return startWorker(
        {
          queue: name,
          prefix,
          connection,
          lockDurationMs,
          stalledIntervalMs,
          maxStalledCount: options.maxStalledCount ?? 2,
        },
        consumeOptions,
      );
    },
    async stats() {
      await whenReady(client);
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
      // Stale jobs are completed jobs: counted apart from the set the worker's script keeps.
      const staleSince = Date.now() - receiver.retentionMs();
      const stale = Math.min(
        await client.zcount(staleSetKey({ prefix, queue: name }), staleSince, '+inf'),
        counts.completed ?? 0,
      );
      const stats: InboxStats = {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        dead: counts.failed ?? 0,
        completed: (counts.completed ?? 0) - stale,
        stale,
      };
      return stats;
    },
    async list(filter = {}) {
      await whenReady(client);
      const limit = listLimit(filter);
      const states: InboxState[] = filter.state
        ? [filter.state]
        : ['waiting', 'delayed', 'active', 'dead', 'completed'];
      // BullMQ indexes jobs by state only: event and time are filtered here, over a bounded read.
      // Stale jobs are completed ones, told apart by entry() and filtered here too.
      const bounded = filter.event || filter.since || filter.state === 'stale' || filter.state === 'completed';
      const entries = await jobsIn(states, bounded ? 10_000 : limit);
      const settled = (found: InboxEntry) =>
        (filter.state !== 'stale' && filter.state !== 'completed') || found.state === filter.state;
      return selectEntries(
        entries.filter((found) => settled(found) && matchesFilter(found, { ...filter, state: found.state })),
        filter,
      );
    },
    async get(id) {
      await whenReady(client);
      const job = await find(id);
      return job ? entry(job) : undefined;
    },
    async replay(id) {
      await whenReady(client);
      const job = await find(id);
      if (!job) return undefined;
      // A new job beside the original, which stays to keep deduplicating re-sends.
      const replayId = `${job.id}-r${randomUUID().replaceAll('-', '')}`;
      await add(replayDelivery(await entry(job)), replayId);
      return replayId;
    },
    async redrive(filter = {}) {
      await whenReady(client);
      const dead = await jobsIn(['dead'], 10_000);
      let moved = 0;
      for (const found of dead) {
        if (!matchesRedrive(found, filter)) continue;
        const job = await queue.getJob(found.id);
        if (!job) continue;
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        moved++;
      }
      return moved;
    },
    async close() {
      await queue.close();
      client.disconnect();
    },
    freshness,
    useReceiver: receiver.adopt,
  };
}

/** What the worker returns for a stale job (see consume.ts). */
function isStale(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>).stale === true;
}

function toState(state: string): InboxState {
  if (state === 'failed') return 'dead';
  if (state === 'prioritized' || state === 'paused' || state === 'waiting-children' || state === 'unknown')
    return 'waiting';
  return state as InboxState;
}

/** `orderBy` would be a silent no-op here: it fails at startup, saying what to use instead. */
function refuseOrderBy(options: BullMQInboxOptions): void {
  if ((options as { orderBy?: unknown }).orderBy === undefined) return;
  throw new TypeError(
    'armalo-webhooks: createBullMQInbox() has no orderBy: BullMQ’s open-source edition has no per-key groups (a BullMQ Pro feature), so it cannot run one delivery per key at a time. For “latest state wins per key”, use the receiver’s `freshness` option (createWebhookReceiver({ freshness: { … } })); for strict per-key order, use createPgBossInbox({ … }, { orderBy }) (PostgreSQL or PGlite).',
  );
}
