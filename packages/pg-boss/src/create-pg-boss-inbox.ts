import { randomUUID } from 'node:crypto';
import type { Inbox, InboxEntry, InboxStats, StoredDelivery } from '@armalo-webhooks/core';
import { listenForErrors } from '@armalo-webhooks/core/store-kit';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { startConsumer } from './consume.js';
import { deliveryJobId } from './job-id.js';
import { type JobRow, toEntry } from './rows.js';
import { checkSchema, statements } from './sql.js';
import './context.js';

/**
 * Where the inbox keeps its jobs: a connection string (the inbox creates and owns a `pg` pool and a
 * pg-boss instance on it), or your own started or unstarted `PgBoss` plus, in workers, the `pg`
 * pool the handlers' transactions run on.
 *
 * @example
 * ```ts
 * const connection: PgBossInboxConnection = { connectionString: process.env.DATABASE_URL! };
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
  /** The pg-boss queue (default `'armalo-webhooks'`); several receivers or apps can share a database. */
  queue?: string;
  /** pg-boss's schema (default `'pgboss'`). With `{ boss }`, the schema that instance was given. */
  schema?: string;
  /**
   * How long a completed delivery is kept, and so how long a re-send is answered `duplicate`
   * (default 7 days + 5 minutes: the receiver's default replay window). Sets pg-boss's
   * `archiveCompletedAfterSeconds` on the instance the inbox creates; with `{ boss }`, set it there.
   */
  retentionSeconds?: number;
  /** How long dead letters stay listed before pg-boss archives them (default 365 days). */
  deadRetentionSeconds?: number;
  /**
   * A job still active this long is taken as lost (its worker died) and handed out again
   * (default 300 s). Keep it above your slowest handler: a handler still running then loses its
   * transaction to the new run. Recovery takes up to this plus `maintenanceIntervalSeconds`.
   */
  expireInSeconds?: number;
  /** How often pg-boss's maintenance (expiry, archiving) runs (default 60 s; only on the instance the inbox creates). */
  maintenanceIntervalSeconds?: number;
  /** How long a worker waits before fetching again after finding nothing (default 250 ms). */
  pollIntervalMs?: number;
  /** Told about pool and pg-boss `'error'` events; default a throttled warning; `false` attaches none. */
  onError?: ((error: Error) => void) | false;
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
  /** Starts pg-boss, creates the queue and the processed table; later calls reuse the first. */
  ready(): Promise<void>;
  readonly queue: string;
  readonly boss: PgBoss;
}

/** Tries a job may have; core's worker decides when to stop, so this is only a ceiling. */
const RETRY_CEILING = 1000;

/**
 * A durable inbox on PostgreSQL through pg-boss 10. A delivery is acknowledged once its job is
 * committed; the same delivery sent again (to any web process) is the same job id, answered
 * `duplicate`. Workers run handlers in a transaction that also marks the job processed and
 * completes it: effects written through `ctx.pg` commit exactly once.
 *
 * @example
 * ```ts
 * import { createInboxWorker, createWebhookReceiver } from '@armalo-webhooks/core';
 * import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
 *
 * const inbox = createPgBossInbox({ connectionString: process.env.DATABASE_URL! });
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET!, inbox });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   // Same transaction as the job's completion: written once, whatever crashes.
 *   await ctx.pg?.query('INSERT INTO scores (agent_id, score) VALUES ($1, $2)', [event.data.agentId, event.data.compositeScore]);
 * });
 * await createInboxWorker(webhooks, { concurrency: 8 }).start(); // in the worker process
 * ```
 */
export function createPgBossInbox(connection: PgBossInboxConnection, options: PgBossInboxOptions = {}): PgBossInbox {
  const queue = options.queue ?? 'armalo-webhooks';
  const schema = checkSchema(options.schema ?? 'pgboss');
  const sql = statements(schema);
  const retentionSeconds = options.retentionSeconds ?? 7 * 86_400 + 300;
  const expireInSeconds = options.expireInSeconds ?? 300;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const owned = 'connectionString' in connection;
  const pool = owned
    ? new pg.Pool({
        connectionString: connection.connectionString,
        max: connection.max ?? 10,
        // A server that accepts connections and never answers must not hang a request forever.
        connectionTimeoutMillis: 5_000,
        application_name: 'armalo-webhooks',
      })
    : connection.pool;
  const boss = owned
    ? new PgBoss({
        db: { executeSql: (text, values) => (pool as pg.Pool).query(text, values) },
        schema,
        supervise: true,
        schedule: false,
        maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
        archiveCompletedAfterSeconds: retentionSeconds,
        archiveFailedAfterSeconds: options.deadRetentionSeconds ?? 365 * 86_400,
      })
    : connection.boss;
  const label = `pg-boss inbox (${queue})`;
  listenForErrors(boss, options.onError, `${label}: pg-boss error`, () => console);
  if (pool && owned) listenForErrors(pool, options.onError, `${label}: pool error`, () => console);
  const query = async <R>(text: string, values: unknown[]): Promise<R[]> =>
    (pool ? await pool.query(text, values) : await boss.getDb().executeSql(text, values)).rows as R[];

  let starting: Promise<void> | undefined;
  function ready(): Promise<void> {
    starting ??= (async () => {
      await boss.start();
      await boss.createQueue(queue).catch(async () => {
        // Two processes creating the same queue at once: the loser's CREATE TABLE fails; the queue exists.
        if (!(await boss.getQueue(queue))) throw new Error(`could not create the pg-boss queue ${queue}`);
      });
      await query(sql.createProcessed, []);
    })().catch((error: unknown) => {
      starting = undefined; // the next call tries again: the database may be back
      throw error;
    });
    return starting;
  }

  const sendOptions = (id: string): PgBoss.SendOptions => ({
    id,
    retryLimit: RETRY_CEILING,
    retryDelay: 0,
    expireInSeconds,
  });

  return {
    kind: 'pg-boss',
    queue,
    boss,
    ready,
    async enqueue(delivery: StoredDelivery) {
      await ready();
      const id = await boss.send(
        queue,
        delivery as unknown as object,
        sendOptions(deliveryJobId(queue, delivery.deliveryId)),
      );
      // pg-boss answers null when the id is already in the job table: the same delivery, stored before.
      return id === null ? 'duplicate' : 'queued';
    },
    async backlog() {
      await ready();
      const [row] = await query<{ n: number }>(sql.backlog, [queue]);
      return row?.n ?? 0;
    },
    async consume(consumeOptions) {
      if (pool === undefined) {
        throw new TypeError(
          'armalo-webhooks: a pg-boss inbox worker needs `pool` next to `boss`, for the handlers’ transactions',
        );
      }
      await ready();
      const consumer = startConsumer({ boss, pool, queue, sql, pollIntervalMs }, consumeOptions);
      // Processed rows only need to outlive the job rows they guard (archived after retention).
      const prune = () => query(sql.pruneProcessed, [retentionSeconds * 2]).catch(consumeOptions.onError);
      const timer = setInterval(prune, 3_600_000);
      timer.unref();
      return {
        async stop(timeoutMs) {
          clearInterval(timer);
          await consumer.stop(timeoutMs);
        },
      };
    },
    async stats() {
      await ready();
      const stats: InboxStats = { waiting: 0, active: 0, delayed: 0, dead: 0, completed: 0 };
      for (const row of await query<{ inbox_state: string; n: number }>(sql.stats, [queue])) {
        const state = row.inbox_state === 'cancelled' ? 'dead' : row.inbox_state;
        if (state in stats) stats[state as keyof InboxStats] += row.n;
      }
      return stats;
    },
    async list(filter = {}) {
      await ready();
      const rows = await query<JobRow>(sql.list, [
        queue,
        filter.state ?? null,
        filter.event ?? null,
        filter.since ?? null,
        filter.limit ?? 100,
      ]);
      return rows.map(toEntry);
    },
    async get(id) {
      if (!isUuid(id)) return undefined;
      await ready();
      const [row] = await query<JobRow>(sql.get, [queue, id]);
      return row && toEntry(row);
    },
    async replay(id) {
      const entry: InboxEntry | undefined = await this.get(id);
      if (entry === undefined) return undefined;
      // A new job (a new id, so its own processed row) carrying the same delivery id.
      const delivery = { ...entry.delivery, replayOf: id };
      const replayed = await boss.send(queue, delivery as unknown as object, sendOptions(randomUUID()));
      return replayed ?? undefined;
    },
    async redrive(filter = {}) {
      await ready();
      const ids = filter.ids?.filter(isUuid) ?? null;
      const rows = await query(sql.redrive, [queue, RETRY_CEILING, filter.event ?? null, filter.since ?? null, ids]);
      return rows.length;
    },
    async close() {
      if (!owned) return;
      if (starting) await boss.stop({ graceful: false, close: false, wait: true }).catch(() => {});
      await (pool as pg.Pool).end();
    },
  };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
