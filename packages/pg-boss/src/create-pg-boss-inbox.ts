import { randomUUID } from 'node:crypto';
import type { Inbox, InboxReceiverSettings, OrderBy, StoredDelivery } from '@armalo-webhooks/core';
import { checkOrderBy, createReceiverSlot, listLimit, replayDelivery } from '@armalo-webhooks/core/engine-kit';
import { listenForErrors } from '@armalo-webhooks/core/store-kit';
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { connect } from './connect.js';
import { startConsumer } from './consume.js';
import type { DeliveryJobData } from './entries.js';
import { createPgFreshness, DEFAULT_FRESHNESS_TABLE, type PgFreshness } from './freshness.js';
import { deliveryJobId } from './job-id.js';
import { createKeyClock } from './key-clock.js';
import { createOrdering, ORDERED_POLICY, singletonKeyOf } from './ordering.js';
import type { PGliteInstance } from './pglite-database.js';
import { deadLetterQueueOf, ensureQueues, type QueueSettings, sendOptions } from './queues.js';
import { createReads } from './reads.js';
import './context.js';

/**
 * Where the inbox keeps its jobs:
 * - `{ connectionString }`: a PostgreSQL server; the inbox creates and owns a `pg` pool and a
 *   pg-boss instance on it.
 * - `{ boss, pool }`: your own `PgBoss` (started or not; the inbox never stops it) and, in
 *   workers, a `pg` pool on the same database for the handlers' transactions. The way for apps
 *   that already run pg-boss: one pg-boss per schema.
 * - `{ pglite }`: an embedded PostgreSQL (PGlite) in a directory, or your `PGlite` instance: a
 *   durable inbox with no server, for one process. Needs `@electric-sql/pglite`.
 *
 * @example
 * ```ts
 * const connection: PgBossInboxConnection = process.env.DATABASE_URL
 *   ? { connectionString: process.env.DATABASE_URL }
 *   : { pglite: './.armalo-inbox' };
 * ```
 */
export type PgBossInboxConnection =
  | {
      connectionString: string;
      /** Pool size (default 10): web requests, worker transactions and pg-boss's own queries share it. */
      max?: number;
    }
  | {
      boss: PgBoss;
      /** Needed by workers (`ctx.pg` and the exactly-once transaction); a pool on the same database. */
      pool?: pg.Pool;
    }
  | {
      /** A directory (created on first use) or a `PGlite` instance. One process only. */
      pglite: string | PGliteInstance;
    };

/**
 * Options for {@link createPgBossInbox}.
 *
 * @example
 * ```ts
 * const options: PgBossInboxOptions = { queue: 'armalo-acme', expireInSeconds: 600 };
 * ```
 */
export interface PgBossInboxOptions {
  /**
   * The pg-boss queue (default `'armalo-webhooks'`); several receivers or apps can share a
   * database. Dead letters go to the queue `<queue>.dead`.
   */
  queue?: string;
  /** pg-boss's schema (default `'pgboss'`), for the pg-boss the inbox creates. With `{ boss }`, that instance's. */
  schema?: string;
  /**
   * How long a completed delivery is kept, and so how long a re-send is answered `duplicate`.
   * Default: the receiver's replay window (7 days + 5 minutes with the default `tolerance`).
   */
  retentionSeconds?: number;
  /** How long dead letters are kept (default 365 days). */
  deadRetentionSeconds?: number;
  /**
   * A job still active this long is taken as lost (its worker died) and handed out again
   * (default 300 s, at most 24 h). Keep it above your slowest handler: a handler still running
   * then loses its transaction to the new run. Recovery takes up to this plus `maintenanceIntervalSeconds`.
   */
  expireInSeconds?: number;
  /**
   * How often pg-boss's maintenance runs on the instance the inbox creates: it expires lost jobs,
   * refreshes the counts `stats()` reads, and deletes jobs past their retention (default 60 s).
   */
  maintenanceIntervalSeconds?: number;
  /** How long a worker waits before fetching again after finding nothing (default 250 ms). */
  pollIntervalMs?: number;
  /**
   * On a PostgreSQL server, the longest wait for any statement of pg-boss's or the inbox's own
   * (default 30 s; the handlers' own statements through `ctx.pg` are not limited). A connection
   * that went silent fails its statement instead of hanging it and is replaced; enqueues use the
   * receiver's `inbox.timeoutMs` when that is shorter.
   */
  queryTimeoutMs?: number;
  /**
   * The inbox's own table of watermarks for the receiver's `freshness` option (`table` or
   * `schema.table`, default `armalo_webhooks_freshness` in the connection's search path), and
   * `<table>_stale`, which records stale jobs for `stats()`. Workers of a receiver with `freshness`
   * create both if missing (see `freshnessMigrationSql`); nothing is created otherwise.
   */
  freshnessTable?: string;
  /** Told about pool and pg-boss `'error'` events; default a throttled warning; `false` attaches none. */
  onError?: ((error: Error) => void) | false;
  /**
   * Per-key ordering: deliveries with one key run one at a time, in the order they were stored;
   * other keys run in parallel. The queue gets pg-boss's `key_strict_fifo` policy (fixed when the
   * queue is created: a queue created without it is a startup error). A dead head delivery holds
   * its key until `redrive` or `skip` (see `blocked()`).
   */
  orderBy?: OrderBy;
}

/**
 * The inbox on pg-boss, also reachable for administration.
 *
 * @example
 * ```ts
 * const inbox: PgBossInbox = createPgBossInbox({ connectionString });
 * await inbox.ready();
 * ```
 */
export interface PgBossInbox extends Inbox {
  /** Starts pg-boss and creates the queues; later calls reuse the first. Called by every operation. */
  ready(): Promise<void>;
  readonly queue: string;
  /** Where pg-boss moves deliveries that failed for good. */
  readonly deadLetterQueue: string;
  readonly boss: PgBoss;
}

const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/**
 * A durable inbox on PostgreSQL through pg-boss 12's public API: on a PostgreSQL server, or
 * embedded with PGlite. A delivery is acknowledged once its job is committed; the same delivery
 * sent again (to any web process) is the same job id, answered `duplicate` once pg-boss confirmed
 * the job is there. Workers run handlers in a transaction that also completes the job (fenced to
 * the attempt): effects written through `ctx.pg` commit exactly once. Retries, the dead-letter
 * queue and redrive are pg-boss's own.
 *
 * @example
 * ```ts
 * import { createInboxWorker, createWebhookReceiver } from '@armalo-webhooks/core';
 * import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
 *
 * const inbox = createPgBossInbox({ connectionString: process.env.DATABASE_URL! }); // or { pglite: './.armalo-inbox' }
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET!, inbox });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   // Same transaction as the job's completion: written once, whatever crashes.
 *   await ctx.pg?.query('INSERT INTO scores (agent_id, score) VALUES ($1, $2)', [event.data.agentId, event.data.compositeScore]);
 * });
 * const worker = createInboxWorker(webhooks, { concurrency: 8 }); // in the worker process
 * worker.start().catch((error) => { console.error(error); process.exit(1); });
 * ```
 */
export function createPgBossInbox(connection: PgBossInboxConnection, options: PgBossInboxOptions = {}): PgBossInbox {
  const queue = options.queue ?? 'armalo-webhooks';
  const deadLetterQueue = deadLetterQueueOf(queue);
  const schema = options.schema ?? 'pgboss';
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const orderBy = checkOrderBy(options.orderBy, 'createPgBossInbox()');
  const receiver = createReceiverSlot({
    retentionMs: options.retentionSeconds === undefined ? undefined : options.retentionSeconds * 1000,
  });
  let receiverKnown = options.retentionSeconds !== undefined;
  let enqueueTimeoutMs = queryTimeoutMs;
  const label = `pg-boss inbox (${queue})`;

  const { boss, database, ownsBoss, ownPool, enqueueDb } = connect(
    connection,
    { schema, queryTimeoutMs, options },
    () => Math.min(enqueueTimeoutMs, queryTimeoutMs),
  );
  listenForErrors(boss, options.onError, `${label}: pg-boss error`, receiver.logger);
  if (ownPool) listenForErrors(ownPool, options.onError, `${label}: pool error`, receiver.logger);

  const settings = (): QueueSettings => ({
    queue,
    deadLetterQueue,
    expireInSeconds: options.expireInSeconds ?? 300,
    retentionSeconds: Math.ceil(receiver.retentionMs() / 1000),
    deadRetentionSeconds: options.deadRetentionSeconds ?? 365 * 86_400,
    // An admin connection (no receiver, no orderBy) takes the queue as it is.
    policy: orderBy !== undefined ? ORDERED_POLICY : receiverKnown ? 'standard' : undefined,
  });
  /** Whether the queue runs one job per key at a time: known once `ready()` read its policy. */
  let ordered = orderBy !== undefined;

  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  function ready(): Promise<void> {
    starting ??= (async () => {
      await boss.start();
      checkBoss(boss);
      // An admin connection (the CLI) knows no receiver: it creates missing queues but leaves the
      // settings of existing ones to the application that uses them.
      ordered = (await ensureQueues(boss, settings(), receiverKnown)) === ORDERED_POLICY;
    })().catch((error: unknown) => {
      starting = undefined; // the next call tries again: the database may be back
      throw error;
    });
    return starting;
  }

  /** pg-boss says a queue is gone (deleted while we ran): the next call creates it again. */
  function onQueueMissing(error: unknown): void {
    if (/^(Dead letter queue|Queue) .+ does not exist/.test((error as Error)?.message ?? '')) starting = undefined;
  }

  const reads = createReads(boss, queue, deadLetterQueue);
  const freshness: PgFreshness = createPgFreshness({
    table: options.freshnessTable ?? DEFAULT_FRESHNESS_TABLE,
    queue,
    retentionMs: () => receiver.retentionMs(),
  });
  /** Stale jobs recorded by workers with `freshness`; 0 where no worker ever created the table. */
  async function staleCount(): Promise<number> {
    const db = database?.db ?? boss.getDb();
    return freshness.staleCount(db).catch((error: { code?: string }) => {
      if (error?.code === '42P01') return 0; // undefined_table
      throw error;
    });
  }
  const ordering = createOrdering(boss, queue, deadLetterQueue, database);
  const keyClock = createKeyClock();
  /** Sends a delivery's job; on PGlite, one key's sends in order, in distinct milliseconds (see key-clock.ts). */
  const sendJob = (delivery: StoredDelivery, options: object) => {
    const send = () => boss.send(queue, delivery as unknown as object, options);
    const key = delivery.orderKey;
    return ordered && key !== undefined && database?.kind === 'pglite' ? keyClock.run(key, send) : send();
  };
  /** The per-job options of a stored delivery; on an ordered queue, its `singletonKey`. */
  const jobOptions = (delivery: StoredDelivery, id: string) => ({
    ...sendOptions(settings()),
    id,
    ...(ordered ? { singletonKey: singletonKeyOf(delivery, id) } : {}),
  });

  return {
    kind: 'pg-boss',
    queue,
    deadLetterQueue,
    boss,
    ready,
    freshness,
    ...(orderBy === undefined ? {} : { orderBy }),
    useReceiver(told: InboxReceiverSettings) {
      receiver.adopt(told);
      receiverKnown = true;
      if (told.enqueueTimeoutMs !== undefined) enqueueTimeoutMs = told.enqueueTimeoutMs;
    },
    async enqueue(delivery: StoredDelivery) {
      await ready();
      const id = deliveryJobId(queue, delivery.deliveryId);
      const db = enqueueDb();
      let sent: string | null;
      try {
        sent = await sendJob(delivery, { ...jobOptions(delivery, id), ...db });
      } catch (error) {
        onQueueMissing(error);
        throw error;
      }
      if (sent !== null) return 'queued';
      // pg-boss stored nothing. Only a job already held under this id makes that a duplicate.
      const [held] = await boss.findJobs<StoredDelivery>(queue, { id, ...db });
      if (held?.data?.deliveryId === delivery.deliveryId) return 'duplicate';
      throw new Error(`pg-boss stored nothing for delivery ${delivery.deliveryId} and holds no job with its id ${id}`);
    },
    async backlog() {
      await ready();
      return reads.backlog();
    },
    async consume(consumeOptions) {
      if (database === undefined) {
        throw new TypeError(
          'armalo-webhooks: a pg-boss inbox worker needs `pool` next to `boss`, for the handlers’ transactions',
        );
      }
      await ready();
      if (consumeOptions.freshness) {
        await freshness.prepare(database.db);
        await freshness.sweep(database.db).catch(consumeOptions.onError);
      }
      return startConsumer(
        { boss, database, queue, pollIntervalMs, onQueueMissing, ...(consumeOptions.freshness ? { freshness } : {}) },
        consumeOptions,
      );
    },
    async stats() {
      await ready();
      const stats = await reads.stats();
      const [stale, blocked] = await Promise.all([
        staleCount(),
        ordered ? ordering.blockedKeys(Number.POSITIVE_INFINITY) : undefined,
      ]);
      const counted = { ...stats, completed: Math.max(0, stats.completed - stale), stale };
      if (blocked === undefined) return counted;
      return { ...counted, blocked: { count: blocked.length, keys: blocked.slice(0, 10) } };
    },
    async blocked(filter = {}) {
      await ready();
      if (!ordered) return [];
      return ordering.blocked(listLimit(filter));
    },
    async skip(id) {
      await ready();
      const entry = await reads.get(id);
      if (entry === undefined) return undefined;
      if (entry.state !== 'dead' && entry.state !== 'waiting' && entry.state !== 'delayed') {
        throw new Error(
          `delivery ${entry.id} is ${entry.state}: only a dead, waiting or delayed delivery can be skipped`,
        );
      }
      // A dead entry is its dead letter's (or, with none left, the failed job's).
      const [copy] =
        entry.state === 'dead' ? await boss.findJobs<DeliveryJobData>(deadLetterQueue, { id: entry.id }) : [];
      const job = copy ?? (await boss.findJobs<DeliveryJobData>(queue, { id: entry.id }))[0];
      if (job === undefined || !(await ordering.skip(entry, job))) {
        throw new Error(`delivery ${entry.id} started or settled while being skipped; look at it again`);
      }
      // The skipped job is the failed one in the queue; a dead letter's copy is gone now.
      return reads.get(copy?.sourceId ?? job.id);
    },
    async list(filter = {}) {
      await ready();
      return reads.list(filter);
    },
    async get(id) {
      await ready();
      return reads.get(id);
    },
    async replay(id) {
      await ready();
      const entry = await reads.get(id);
      if (entry === undefined) return undefined;
      // A new job (a new id, so never a duplicate of the original) carrying the same delivery id.
      const delivery = replayDelivery(entry);
      const replayed = await sendJob(delivery, jobOptions(delivery, randomUUID()));
      return replayed ?? undefined;
    },
    async redrive(filter = {}) {
      await ready();
      const ids = await reads.deadLetterIds(filter);
      if (ids.length === 0) return 0;
      if (ordered) {
        // Each failed head comes back in its place, oldest first; the rest go through pg-boss's redrive.
        const rest: string[] = [];
        let moved = 0;
        for (const copy of await reads.deadLetterJobs(ids)) {
          if (await ordering.revive(copy)) moved++;
          else rest.push(copy.id);
        }
        return moved + (rest.length === 0 ? 0 : await boss.redrive(deadLetterQueue, { ids: rest, limit: rest.length }));
      }
      // pg-boss re-creates each as a new job on its source queue: attempt 1 again, a fresh budget.
      return boss.redrive(deadLetterQueue, { ids, limit: ids.length });
    },
    close() {
      // Once, however many parts of an app call it (a web side and a worker in one process).
      closing ??= (async () => {
        if (ownsBoss && starting) await boss.stop({ graceful: false, close: true, timeout: 1_000 }).catch(() => {});
        await database?.close();
      })();
      return closing;
    },
  };
}

/** An instance of another pg-boss major (or an older 12) fails here, not on the first delivery. */
function checkBoss(boss: PgBoss): void {
  const needed = [
    'findJobs',
    'redrive',
    'getQueueStats',
    'update',
    'fetch',
    'getBlockedKeys',
    'retry',
    'deleteJob',
  ] as const;
  const missing = needed.filter((name) => typeof (boss as unknown as Record<string, unknown>)[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(
      `armalo-webhooks: the pg-boss inbox needs pg-boss 12.38 or later (this instance has no ${missing.join(', ')})`,
    );
  }
}
