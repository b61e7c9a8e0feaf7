import type { WebhookError } from '../errors.js';
import type { SchemaMap, WebhookEvent } from '../events/event-types.js';
import type { FreshnessOptions } from '../freshness/types.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { Inbox } from '../inbox/types.js';
import type { WebhookLogger } from '../observe/logger.js';
import type { WebhookObserver } from '../observe/observer.js';
import type { RefusalLogOptions } from '../observe/refusal-log.js';

/**
 * The replay window, in milliseconds. See the README's "Replay window" section for the reasoning.
 *
 * @example
 * ```ts
 * const tolerance: ToleranceOptions = { pastMs: 3 * 24 * 3600_000, futureMs: 5 * 60_000 };
 * ```
 */
export interface ToleranceOptions {
  /** How old an event timestamp may be. Default 7 days: longer than any common retry schedule. */
  pastMs?: number;
  /** How far ahead of our clock a timestamp may be (clock skew). Default 5 minutes. */
  futureMs?: number;
}

/**
 * What `onError` is told besides the error.
 *
 * @example
 * ```ts
 * const onError = (error: WebhookError, info: ErrorInfo) => log.error({ event: info.event }, error.message);
 * ```
 */
export interface ErrorInfo {
  event?: string;
  idempotencyKey?: string;
  /** In the inbox worker: which try failed. */
  attempt?: number;
}

/**
 * Idempotency settings. The default: an in-memory store, keys that identify the raw body.
 *
 * @example
 * ```ts
 * const idempotency: IdempotencyOptions = { store: createRedisStore({ client }), leaseMs: 120_000 };
 * ```
 */
export interface IdempotencyOptions {
  /** Where keys are claimed. Default: a new `createMemoryStore()`. */
  store?: IdempotencyStore;
  /**
   * How long a claim is held while handlers run (default 60 s). A handler still running when it
   * ends may be run again by a retry, so set it above your slowest handler.
   */
  leaseMs?: number;
  /**
   * The delivery key. Default: something that identifies the raw body, since the contract has no
   * delivery id and a retry resends the same bytes: the first 32 lower-case hex digits of the
   * signature that verified it (an HMAC-SHA256 of the body, already computed; half of it cannot
   * verify anything), or with a fixed `scope` the hex SHA-256 of the body, which is the same under
   * every secret. The store sees it after the scope.
   */
  key?: (event: WebhookEvent, rawBody: Uint8Array) => string | Promise<string>;
  /**
   * What keeps two receivers that share a store (two Armalo accounts, two secrets) from
   * deduplicating each other's deliveries: every key is stored as `<scope>:<key>`. Default: a
   * fingerprint of the secret that verified the delivery (an HMAC of a fixed label, never the
   * secret itself), so receivers with different secrets never share a key. Set a fixed name per
   * account (`'acme'`) to keep one delivery one key across a secret rotation, when the same
   * delivery could arrive signed by the previous secret and again by the current one.
   */
  scope?: string;
  /**
   * What to do when the store fails: `'fail-closed'` (default) answers 503 so the sender retries
   * and nothing can run twice; `'fail-open'` runs the handlers without deduplication.
   */
  onStoreError?: 'fail-closed' | 'fail-open';
  /** Retention of completed keys when `tolerance: false`. Default 7 days. */
  retainMs?: number;
  /**
   * How long one store call (`claim`, `complete`, `release`) may take before it counts as a store
   * failure (default 5 s, at most 2^31 - 1 ms; `Infinity` waits forever). The receiver owns this
   * timeout for every store. Without it, a store that never answers (a
   * hung connection, a pool with no free client) would hang every delivery. A claim that answers
   * after the timeout is released, so the sender's retry is not held off until the lease ends.
   */
  timeoutMs?: number;
}

/**
 * The `inbox` option in full: the engine plus how the web side treats it.
 *
 * @example
 * ```ts
 * const inbox: InboxOptions = { engine: createPgBossInbox({ connectionString }), maxBacklog: 50_000 };
 * ```
 */
export interface InboxOptions {
  engine: Inbox;
  /**
   * Most deliveries waiting to run before the receiver answers 503 `INBOX_FULL` (with
   * `Retry-After`) instead of storing more. Default: no limit. The count is read at most once a second.
   */
  maxBacklog?: number;
  /** How long storing one delivery may take before the answer is 503 `INBOX_UNAVAILABLE` (default 5 s). */
  timeoutMs?: number;
}

/**
 * Options for `createWebhookReceiver`.
 *
 * @example
 * ```ts
 * const options: WebhookReceiverOptions = { secret: process.env.ARMALO_WEBHOOK_SECRET!, maxBodyBytes: 256 * 1024 };
 * ```
 */
export interface WebhookReceiverOptions<S extends SchemaMap = Record<never, never>> {
  /** The webhook secret, or `[current, previous]` while rotating (current first). */
  secret: string | readonly string[];
  /** The replay window on the signed envelope timestamp, or `false` to turn it off. */
  tolerance?: ToleranceOptions | false;
  /** Largest body accepted, in bytes (default 1 MiB). Adapters enforce it while streaming. */
  maxBodyBytes?: number;
  /** How long adapters wait for the whole body before answering 408 (default 30 s). */
  bodyTimeoutMs?: number;
  /** Most bodies one receiver buffers at once before answering 503 (default 128). */
  maxConcurrentBodies?: number;
  /**
   * Store every verified delivery in a durable inbox and answer `{ ok: true, queued: true }` once the
   * engine confirmed the write; handlers then run in `createInboxWorker()`. The engine deduplicates
   * by the idempotency key (`idempotency.key` and `scope` still apply; `store` is not used).
   */
  inbox?: Inbox | InboxOptions;
  /**
   * The freshness guard ("latest wins per key"): for each event name, the key of the thing whose
   * state it describes. A delivery older than the newest one handled for its key runs no handler
   * and is answered `200 { ok: true, stale: true }` (settled as `stale` in an inbox worker); equal
   * timestamps are not stale. The watermark advances only after the handlers succeeded, and one
   * delivery per key runs at a time (another answers 409 and is retried). Needs a store (or inbox)
   * with the capability, and idempotency on: a startup error otherwise. See docs/ordering.md.
   */
  freshness?: FreshnessOptions<S>;
  /** Idempotency settings, or `false` to run handlers for every verified delivery. */
  idempotency?: IdempotencyOptions | false;
  /** Event names the catalog does not know: acknowledge with 200 (default) or reject with 400. */
  unknownEvents?: 'acknowledge' | 'reject';
  /** Your own `data` schemas (any Standard Schema v1 validator), for any event name. */
  schemas?: S;
  /** Told about every 5xx: handler failures, store failures, internal errors. */
  onError?: (error: WebhookError, info: ErrorInfo) => unknown;
  /** Default: `console`. */
  logger?: WebhookLogger;
  /**
   * Log refusals (4xx answers: a wrong secret shows up as `INVALID_SIGNATURE`), rate-limited.
   * Default `{ level: 'warn', perMinute: 10 }` (also what `true` means); 405 and 409 answers,
   * which normal operation produces, are never logged. `false`: no lines. Refusals are counted
   * either way: `refusalCounts(receiver)`.
   */
  logRefusals?: boolean | RefusalLogOptions;
  /** Watch every exchange (metrics, traces); more can be added with `observe()`. */
  observers?: readonly WebhookObserver[];
}

export const DEFAULTS = {
  pastMs: 7 * 24 * 60 * 60 * 1000,
  futureMs: 5 * 60 * 1000,
  maxBodyBytes: 1024 * 1024,
  bodyTimeoutMs: 30_000,
  maxConcurrentBodies: 128,
  leaseMs: 60_000,
  retainMs: 7 * 24 * 60 * 60 * 1000,
  storeTimeoutMs: 5_000,
} as const;
