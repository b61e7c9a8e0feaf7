/**
 * The attribute and metric names this package writes: stable, so dashboards and alerts can rely
 * on them. Span and metric attributes never hold the secret, the signature or the body.
 *
 * @example
 * ```ts
 * import { ATTRIBUTES, METRICS } from '@armalo-webhooks/opentelemetry';
 * ATTRIBUTES.code; // 'armalo.webhook.code'
 * METRICS.refusals; // 'armalo.webhook.refusals'
 * ```
 */
export const ATTRIBUTES = {
  /** The event name, once the envelope was valid. */
  event: 'armalo.webhook.event',
  /** The error code of a refusal or failure; absent on success. */
  code: 'armalo.webhook.code',
  duplicate: 'armalo.webhook.duplicate',
  queued: 'armalo.webhook.queued',
  /**
   * Set (true) when the delivery was older than the newest one handled for its freshness key (the
   * receiver's `freshness` option): acknowledged (or, on a worker's attempt span, settled), no handler ran.
   */
  stale: 'armalo.webhook.stale',
  /** Which configured secret verified the delivery (0 = the first): rotation progress. */
  secretIndex: 'armalo.webhook.secret_index',
  /** Set when the client went away before its body arrived. */
  aborted: 'armalo.webhook.aborted',
  statusCode: 'http.response.status_code',
  /** Worker attempts: 1 on the first try. */
  attempt: 'armalo.webhook.attempt',
  /** On the attempt span of a replay: the id of the job it replays. */
  replayOf: 'armalo.webhook.replay_of',
  /**
   * How it ended: on the receive span, the delivery's outcome (`handled`, `duplicate`, `stale`,
   * `queued`, `refused`, `failed`, `unknown`); on an attempt, `succeeded`, `retrying`,
   * `dead-lettered` or `stale`.
   */
  outcome: 'armalo.webhook.outcome',
  /** Messaging conventions on the worker's span. */
  messagingOperation: 'messaging.operation.type',
  messagingSystem: 'messaging.system',
  messagingMessageId: 'messaging.message.id',
} as const;

/**
 * Metric names.
 *
 * @example
 * ```ts
 * const name: string = METRICS.deliveries;
 * ```
 */
export const METRICS = {
  /**
   * Counter: every answered exchange, by `armalo.webhook.code` (`OK` for a 200), event (`unknown`
   * for a name neither the catalog nor the receiver's `schemas` knows) and `armalo.webhook.secret_index`
   * (which secret verified it: rotation progress).
   */
  deliveries: 'armalo.webhook.deliveries',
  /**
   * Counter: deliveries acknowledged as stale by the freshness guard (inline) or settled stale by an
   * inbox worker, by event: how often Armalo's deliveries arrive out of order for the same key.
   */
  stale: 'armalo.webhook.stale',
  /** Counter: 4xx answers by code (a spike of INVALID_SIGNATURE after a rotation is an incident). */
  refusals: 'armalo.webhook.refusals',
  /** Histogram, seconds: from the start of an exchange to its answer. */
  receiveDuration: 'armalo.webhook.receive.duration',
  /** Counter: worker attempts, by `armalo.webhook.outcome` and event. */
  attempts: 'armalo.webhook.attempts',
  /** Histogram, seconds: one worker attempt, by outcome. */
  processDuration: 'armalo.webhook.process.duration',
  /** Gauge: deliveries waiting in the inbox, retries included (with the `inbox` option). */
  backlog: 'armalo.webhook.inbox.backlog',
  /** Gauge: dead-lettered deliveries waiting for an operator (with the `inbox` option). */
  dead: 'armalo.webhook.inbox.dead',
} as const;

/** The span of one delivery's exchange. */
export const RECEIVE_SPAN = 'armalo.webhook receive';

/** The span of one worker attempt at a delivery stored in an inbox. */
export const PROCESS_SPAN = 'armalo.webhook process';
