import type { InboxReceiverSettings } from '../engine-kit/retention.js';
import type { WebhookContextExtensions, WebhookEvent } from '../events/event-types.js';
import type { InboxFreshness } from '../freshness/types.js';

/**
 * A verified delivery as an inbox stores it: what the worker needs to run the handlers later, in
 * plain JSON. The worker trusts the engine: the signature was checked before storing.
 *
 * @example
 * ```ts
 * const stored: StoredDelivery = {
 *   deliveryId: '3f1c…:9b2e…', event: 'score.changed', body: 'eyJldmVudCI6…', receivedAt: Date.now(), secretIndex: 0, trace: {},
 * };
 * ```
 */
export interface StoredDelivery {
  /** The scoped idempotency key: the engine deduplicates on it. */
  deliveryId: string;
  event: string;
  /** The exact bytes received, base64. */
  body: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  secretIndex: number;
  /** The request's W3C trace context, so that processing joins the trace. */
  trace: Record<string, string>;
  /** `x-armalo-signature` (so a stored delivery can be verified again) and `content-type`: `ctx.headers` in the worker. */
  headers?: Record<string, string>;
  /** Set on a replay (`inbox.replay(id)`): the id of the job it replays. */
  replayOf?: string;
  /**
   * The key the inbox's `orderBy` gave the event when it was stored: deliveries with one key run
   * one at a time, in the order they were stored. Absent: unordered.
   */
  orderKey?: string;
}

/**
 * Names the key whose deliveries must run one at a time, in the order they were stored (an
 * escrow, an agent); `undefined` leaves a delivery unordered. Called once per delivery, with the
 * verified and validated event, before it is stored. Deliveries of other keys run in parallel up to
 * the worker's concurrency.
 *
 * @example
 * ```ts
 * const orderBy: OrderBy = (e) => (e.event.startsWith('escrow.') ? `escrow:${String(e.data.escrowId)}` : undefined);
 * const inbox = createMemoryInbox({ orderBy });
 * ```
 */
export type OrderBy = (event: WebhookEvent) => string | undefined;

/**
 * A key held back by its head delivery: the oldest unfinished delivery of the key is dead, and the
 * ones stored after it wait until an operator redrives it (`redrive({ ids: [head.id] })`) or skips
 * it (`skip(head.id)`).
 *
 * @example
 * ```ts
 * for (const { key, head, waiting } of await inbox.blocked!()) console.log(key, head.id, head.lastError?.message, waiting);
 * ```
 */
export interface BlockedKey {
  key: string;
  /** The dead delivery that holds the key: what `redrive` and `skip` take. */
  head: InboxEntry;
  /** Deliveries of the key stored after the head, waiting for it. */
  waiting: number;
}

/**
 * The last error of a retried or dead-lettered delivery, as an inbox keeps it.
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
  /** The first lines of the stack. */
  stack?: string;
  /** For `INVALID_EVENT_DATA`. */
  issues?: { path: string; message: string }[];
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
  | { status: 'dead'; error: InboxFailure }
  /**
   * Settle it for good without running anything: it is older than the watermark of its freshness
   * key (receiver option `freshness`). Acknowledged like `completed`, never retried or dead-lettered.
   */
  | { status: 'stale'; watermarkMs: number };

/**
 * Core's processing function, which engines call for every job they hand out. Never throws.
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
  /**
   * The receiver guards some events with `freshness`: the engine prepares its watermarks (the
   * pg-boss inbox creates its table) before handing out jobs.
   */
  freshness?: boolean;
}

/**
 * A running consumer: `stop` takes nothing new and waits up to `timeoutMs` for the jobs in hand;
 * the engine's recovery (lock or expiry) takes the rest.
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
 * const needsAnOperator: InboxState = 'dead'; // until redrive(), replay() or skip()
 * const overtaken: InboxState = 'stale'; // final: a newer delivery of its freshness key was handled first
 * ```
 *
 * `skipped`: settled by an operator (`inbox.skip(id)`) without running its handlers, so that the
 * deliveries stored after it under the same `orderBy` key move on.
 */
export type InboxState = 'waiting' | 'delayed' | 'active' | 'completed' | 'stale' | 'dead' | 'skipped';

/**
 * Counts by state.
 *
 * @example
 * ```ts
 * const { waiting, dead } = await inbox.stats();
 * ```
 */
export interface InboxStats {
  waiting: number;
  active: number;
  /** Waiting out a retry's backoff. */
  delayed: number;
  dead: number;
  /** Still retained: they deduplicate re-sends. Skipped deliveries are counted here too. */
  completed: number;
  /**
   * Settled stale, still retained (they deduplicate re-sends too): older than their freshness key's
   * watermark, so no handler ran (receiver option `freshness`). Not counted in `completed`.
   */
  stale: number;
  /**
   * With `orderBy`: the keys held back by a dead head delivery (see `inbox.blocked()`), counted,
   * and the first few of them (at most 10).
   */
  blocked?: { count: number; keys: string[] };
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
  /** Enqueued at or after. */
  since?: Date;
  /** Default 100. */
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
 * An inbox engine: where verified deliveries wait until a worker has run them. Core decides (what
 * to store, when to answer, retry or dead-letter, backoff); the engine stores, deduplicates, hands
 * out jobs with their attempt number, and recovers a dead worker's jobs. Implemented by
 * `createMemoryInbox()`, `createPgBossInbox()` and `createBullMQInbox()`.
 *
 * @example
 * ```ts
 * const inbox: Inbox = createMemoryInbox();
 * const webhooks = createWebhookReceiver({ secret, inbox });
 * await inbox.stats(); // { waiting: 0, active: 0, delayed: 0, dead: 0, completed: 0, stale: 0 }
 * ```
 */
export interface Inbox {
  /** Names the engine in logs and errors (`'memory'`, `'pg-boss'`, `'bullmq'`). */
  readonly kind: string;
  /**
   * Stores a delivery under its `deliveryId`, resolving once the engine confirmed the write
   * (`'duplicate'`: that id is already held). Rejects on any failure; the receiver answers 503.
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
  /** Runs a delivery again, even a completed one, as a new job with the same delivery id; its id. */
  replay(id: string): Promise<string | undefined>;
  /** Moves dead letters back to waiting with a fresh attempt budget. Answers how many moved. */
  redrive(filter?: RedriveFilter): Promise<number>;
  /**
   * With `orderBy` (set when the inbox was created): core calls it with the verified event and
   * stores the key it answers as the delivery's `orderKey`.
   */
  readonly orderBy?: OrderBy;
  /**
   * The keys held back by a dead head delivery, oldest head first, each with its head (at most
   * `limit`, default 100). Inboxes without per-key ordering do not have it.
   */
  blocked?(options?: { limit?: number }): Promise<BlockedKey[]>;
  /**
   * Settles a delivery that is dead, waiting or delayed as `skipped`, without running it, so that
   * its key's next delivery runs. By job id or delivery id; answers the skipped entry, or
   * `undefined` when there is no such delivery. Rejects for a delivery that is running or settled.
   */
  skip?(id: string): Promise<InboxEntry | undefined>;
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
  /**
   * The optional capability behind the receiver's `freshness` option (see `InboxFreshness`): the
   * worker checks a job's watermark before its handlers and advances it after they succeeded.
   */
  readonly freshness?: InboxFreshness;
}
