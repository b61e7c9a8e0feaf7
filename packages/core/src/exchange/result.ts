import { ERRORS, type WebhookErrorCode } from '../errors.js';
import type { WebhookOutcome } from './outcome.js';

/**
 * The JSON body of a successful answer.
 *
 * @example
 * ```ts
 * const body: SuccessBody = { ok: true, queued: true };
 * ```
 */
export interface SuccessBody {
  ok: true;
  duplicate?: true;
  /** Older than the newest delivery handled for its freshness key: acknowledged, nothing ran. */
  stale?: true;
  /** Stored in the inbox; handlers run in a worker. */
  queued?: true;
}

/**
 * The JSON body of an error answer, in the provider's REST API error format.
 *
 * @example
 * ```ts
 * const body: ErrorBody = { error: 'Missing X-Armalo-Signature header', code: 'MISSING_SIGNATURE' };
 * ```
 */
export interface ErrorBody {
  error: string;
  code: WebhookErrorCode;
  details?: Record<string, unknown>;
}

/**
 * Facts about a delivery for logging and telemetry. Never serialized into the response.
 *
 * @example
 * ```ts
 * const result = await webhooks.receive({ rawBody, headers });
 * if (result.meta.secretIndex === 1) metrics.increment('webhook.previous_secret');
 * ```
 */
export interface ResultMeta {
  /** The event name, once the envelope has been validated. */
  event?: string;
  /** Index into the configured secrets of the one that verified the signature (0 = the first). */
  secretIndex?: number;
  idempotencyKey?: string;
  duplicate?: boolean;
  /**
   * For an event with a freshness key (the `freshness` option): the key (yours, unscoped), the
   * watermark the delivery was checked against, and what became of it: `stale` (nothing ran),
   * `advanced` (its handlers succeeded and it raised the watermark).
   */
  freshness?: { key: string; watermarkMs: number | undefined; stale: boolean; advanced: boolean };
  /** True when the delivery was stored in the inbox for a worker. */
  queued?: boolean;
  /** True when neither the catalog nor the receiver's `schemas` knows the event name (acknowledged or refused). */
  unknownEvent?: boolean;
  /** True when the client went away before its body arrived: nothing ran, and nobody reads the answer. */
  aborted?: boolean;
  /** The error that caused a 5xx answer, for logs; never sent to the caller. */
  error?: unknown;
}

/**
 * What `receive()` answers: adapters write `status`, `headers` and `JSON.stringify(body)` as they are.
 *
 * @example
 * ```ts
 * const { status, headers, body } = await webhooks.receive({ rawBody, headers: req.headers });
 * res.writeHead(status, headers).end(JSON.stringify(body));
 * ```
 */
export interface WebhookResult {
  status: number;
  headers: Record<string, string>;
  body: SuccessBody | ErrorBody;
  meta: ResultMeta;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

/**
 * What a refusal may add to the table's answer for its code.
 *
 * @example
 * ```ts
 * const options: RefusalOptions = { details: { limit: 1024 } };
 * ```
 */
export interface RefusalOptions {
  /** Safe to send: never the secret, the signature or the body. */
  details?: Record<string, unknown>;
  /** Headers that depend on the delivery, such as a computed `Retry-After`. */
  headers?: Record<string, string>;
  meta?: ResultMeta;
}

/** Results built here are instances, so that a step's "value or refusal" is told apart by `instanceof`. */
class Answer implements WebhookResult {
  constructor(
    public status: number,
    public headers: Record<string, string>,
    public body: SuccessBody | ErrorBody,
    public meta: ResultMeta,
  ) {}
}

/** Whether a step returned an answer (a refusal) rather than its value. */
export function isAnswer(value: unknown): value is WebhookResult {
  return value instanceof Answer;
}

/**
 * The answer for an error code: the status, message and fixed headers from the table, a JSON body.
 * The only place an error answer is built.
 */
export function refusal(code: WebhookErrorCode, options: RefusalOptions = {}): WebhookResult {
  const row: { status: number; message: string; headers?: Record<string, string> } = ERRORS[code];
  const body: ErrorBody = { error: row.message, code };
  if (options.details !== undefined) body.details = options.details;
  return new Answer(row.status, { ...JSON_HEADERS, ...row.headers, ...options.headers }, body, options.meta ?? {});
}

/** A 200 answer: `handled`, or the outcome its body flags (see `outcomeOf`). */
export function acknowledged(
  meta: ResultMeta,
  outcome: Exclude<WebhookOutcome, 'refused' | 'failed' | 'unknown'> = 'handled',
): WebhookResult {
  const body = (outcome === 'handled' ? { ok: true } : { ok: true, [outcome]: true }) as SuccessBody;
  return new Answer(200, { ...JSON_HEADERS }, body, meta);
}
