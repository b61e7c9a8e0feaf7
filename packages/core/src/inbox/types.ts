import type { InboxReceiverSettings } from '../engine-kit/retention.js';
import type { WebhookContextExtensions } from '../event-types.js';

/**
 * A verified delivery as an inbox stores it: everything the worker needs to run the handlers later,
 * in plain JSON so any engine can hold it. The signature is not stored: it was checked before the
 * delivery was stored, and the worker trusts the engine it reads from.
 *
 * @example
 * ```ts
 * const stored: StoredDelivery = {
 *   deliveryId: '3f1c…:9b2e…', event: 'score.changed', body: 'eyJldmVudCI6…', receivedAt: Date.now(), secretIndex: 0, trace: {},
 * };
 * ```
 */
export interface StoredDelivery {
  /** The idempotency key (scoped): the engine deduplicates on it; stable across attempts and replays. */
  deliveryId: string;
  event: string;
  /** The exact bytes received, base64. */
  body: string;
  /** When the web process received it (milliseconds since the epoch). */
  receivedAt: number;
  /** Which configured secret verified it (0 = the first). */
  secretIndex: number;
  /** W3C trace context of the request (`traceparent`, `tracestate`), so processing can join the trace. */
  trace: Record<string, string>;
  /**
   * The request headers that describe the stored bytes: `x-armalo-signature` (checked before storing,
   * kept so a stored delivery can be verified again) and `content-type`. Handlers see them as
   * `ctx.headers` in the worker.
   */
  headers?: Record<string, string>;
  /** Set on a replay (`inbox.replay(id)`): the id of the job it replays. */
  replayOf?: string;
}

/**
 * Why a delivery failed, as an inbox keeps it: the last error of a retried or dead-lettered delivery.
 *
 * @example
 * ```ts
 * const failure: InboxFailure = { code: 'HANDLER_FAILED', message: 'db down', stack: 'Error: db down\n    at …' };
 * ```
 */
export interface InboxFailure {
  /** `INVALID_EVENT_DATA`, `ATTEMPTS_EXHAUSTED`, the error's own string `code`, or `HANDLER_FAILED`. */
  code: string;
  message: string;
  /** The first lines of the stack, when there is one. */
  stack?: string;
  /** Schema issues, for `INVALID_EVENT_DATA`. */
  issues?: { path: string; message: string }[];
  /** The attempt that failed. */
  attempt?: number;
}

/**
 * One delivery as the engine hands it to core's worker.
 *
 * @example
 * ```ts
 * const job: InboxJob = { id: 'job_1', delivery: stored, attempt: 1, enqueuedAt: new Date() };
 * ```
 */
export interface InboxJob {
  /** The engine's job id (a replay gets a new one; the delivery id stays). */
  id: string;
  delivery: StoredDelivery;
  /** 1 on the first try; the engine counts tries lost to a crash or a timeout too. */
  attempt: number;
  enqueuedAt: Date;
  /** What the engine adds to the handlers' `ctx` (for example `ctx.pg`, the transaction's client). */
  context?: Partial<WebhookContextExtensions>;
}

/**
 * What core decided about a job; the engine carries it out with its own machinery.
 *
 * @example
 * ```ts
 * const outcome: InboxOutcome = { status: 'retry', delayMs: 1200, error: { code: 'HANDLER_FAILED', message: 'db down' } };
 * ```
 */
export type InboxOutcome =
  | { status: 'completed' }
  /** Try again after `delayMs` (backoff with jitter, decided by core). */
  | { status: 'retry'; delayMs: number; error: InboxFailure }
  /** Dead-letter it now, keeping `error`: the last attempt failed, or it can never succeed. */
  | { status: 'dead'; error: InboxFailure };

/**
 * Core's processing function, which engines call for every job they hand out. It never throws.
 *
 * @example
 * ```ts
 * const outcome = await process({ id, delivery, attempt: 1, enqueuedAt: new Date() });
 * ```
 */
export type ProcessJob = (job: InboxJob) => Promise<InboxOutcome>;

/**
 * What `createInboxWorker` asks of an engine when it starts.
 *
 * @example
 * ```ts
 * const consumer = await inbox.consume({ concurrency: 8, process, onError: console.error });
 * ```
 */
export interface ConsumeOptions {
  /** Most jobs run at once in this process. */
  concurrency: number;
  process: ProcessJob;
  /** Engine trouble that no job owns (a lost connection, a failed poll). */
  onError: (error: unknown) => void;
}

/**
 * A running consumer: `stop` takes nothing new and waits for the jobs in hand, up to `timeoutMs`.
 * Jobs still running then are left to the engine's recovery (lock or expiry).
 *
 * @example
 * ```ts
 * await consumer.stop(10_000);
 * ```
 */
export interface InboxConsumer {
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Where a delivery is in its life.
 *
 * @example
 * ```ts
 * const state: InboxState = 'dead';
 * ```
 */
export type InboxState = 'waiting' | 'delayed' | 'active' | 'completed' | 'dead';

/**
 * Counts by state, as `inbox.stats()` answers.
 *
 * @example
 * ```ts
 * const { waiting, dead } = await inbox.stats();
 * ```
 */
export interface InboxStats {
  /** Ready to run. */
  waiting: number;
  active: number;
  /** Waiting for a retry's backoff. */
  delayed: number;
  /** Dead-lettered: kept until an operator redrives them. */
  dead: number;
  /** Completed and still retained (what deduplicates re-sends). */
  completed: number;
  /**
   * When the engine counted, if the counts are not live: pg-boss serves counts it refreshes at most
   * once a minute. Absent when the counts are read as asked (memory, BullMQ).
   */
  asOf?: Date;
}

/**
 * One delivery as `list()` and `get()` show it.
 *
 * @example
 * ```ts
 * const entry = await inbox.get(id);
 * if (entry?.state === 'dead') console.log(entry.lastError?.message);
 * ```
 */
export interface InboxEntry {
  /** The engine's job id: what `get`, `replay` and `redrive` take. */
  id: string;
  deliveryId: string;
  event: string;
  state: InboxState;
  /** Tries made so far. */
  attempts: number;
  enqueuedAt: Date;
  finishedAt?: Date;
  lastError?: InboxFailure;
  delivery: StoredDelivery;
}

/**
 * Which deliveries `list()` and `redrive()` pick.
 *
 * @example
 * ```ts
 * const dead = await inbox.list({ state: 'dead', event: 'score.changed', since: new Date(Date.now() - 3600_000) });
 * ```
 */
export interface InboxFilter {
  state?: InboxState;
  event?: string;
  /** Enqueued at or after this time. */
  since?: Date;
  /** Most entries answered (default 100). */
  limit?: number;
}

/**
 * Which dead letters `redrive()` moves. `ids` may name a delivery by its job id or its delivery id.
 *
 * @example
 * ```ts
 * await inbox.redrive({ event: 'score.changed', since: new Date(Date.now() - 3600_000) });
 * ```
 */
export type RedriveFilter = Omit<InboxFilter, 'state'> & { ids?: readonly string[] };

/**
 * An inbox engine: where verified deliveries are stored until a worker has run them. Core decides
 * everything (what to store, when to answer, retry or dead-letter, backoff); an engine stores,
 * deduplicates, hands out jobs with their attempt number, and recovers the jobs of a dead worker.
 * `createMemoryInbox()` (core), `createPgBossInbox()` (`@armalo-webhooks/pg-boss`) and
 * `createBullMQInbox()` (`@armalo-webhooks/bullmq`) implement it.
 *
 * @example
 * ```ts
 * const inbox: Inbox = createMemoryInbox();
 * const webhooks = createWebhookReceiver({ secret, inbox });
 * await inbox.stats(); // { waiting: 0, active: 0, delayed: 0, dead: 0, completed: 0 }
 * ```
 */
export interface Inbox {
  /** Names the engine in logs and errors (`'memory'`, `'pg-boss'`, `'bullmq'`). */
  readonly kind: string;
  /**
   * Stores a delivery under its `deliveryId`. Resolves only once the engine confirmed the write:
   * `'queued'` when stored now, `'duplicate'` when that id is already held. Rejects on any engine
   * failure (the receiver answers 503).
   */
  enqueue(delivery: StoredDelivery): Promise<'queued' | 'duplicate'>;
  /** Deliveries waiting to run (ready or delayed), for `maxBacklog`. */
  backlog(): Promise<number>;
  /** Starts handing jobs to `process`; resolves once the consumer runs. */
  consume(options: ConsumeOptions): Promise<InboxConsumer>;
  stats(): Promise<InboxStats>;
  /** Oldest first. */
  list(filter?: InboxFilter): Promise<InboxEntry[]>;
  /**
   * One delivery, by its job id or by its delivery id (the id the worker's log lines print); with
   * a delivery id, the job that stored it (not a replay).
   */
  get(id: string): Promise<InboxEntry | undefined>;
  /**
   * Runs a delivery again, even a completed one: a new job with the same delivery id. Answers the
   * new job's id, or `undefined` when `id` is unknown.
   */
  replay(id: string): Promise<string | undefined>;
  /** Moves dead letters back to waiting with a fresh attempt budget. Answers how many moved. */
  redrive(filter?: RedriveFilter): Promise<number>;
  /**
   * Releases what the inbox opened (connections it created; never a client or pool you passed in).
   * In a web process, call it after the server stopped taking requests (graceful shutdown); in a
   * worker, after `worker.stop()`.
   */
  close(): Promise<void>;
  /**
   * Told by each receiver created with this inbox how long completed deliveries must be kept (its
   * replay window) and where to log. Engines built on `@armalo-webhooks/core/engine-kit` keep it
   * with `createReceiverSlot()`.
   */
  useReceiver?(settings: InboxReceiverSettings): void;
}
