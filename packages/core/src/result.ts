import { ERROR_MESSAGES, ERROR_STATUS, type WebhookErrorCode } from './errors.js';

/**
 * The JSON body of a successful answer.
 *
 * @example
 * ```ts
 * const body: SuccessBody = { ok: true, duplicate: true };
 * ```
 */
export interface SuccessBody {
  ok: true;
  duplicate?: true;
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
  /** Index into the configured secrets of the one that verified the signature. */
  secretIndex?: number;
  idempotencyKey?: string;
  duplicate?: boolean;
  /** True when the event name is not in the catalog and was acknowledged without handlers of its own. */
  unknownEvent?: boolean;
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
 * Options for {@link errorResult}.
 *
 * @example
 * ```ts
 * errorResult('PAYLOAD_TOO_LARGE', { headers: { connection: 'close' } });
 * ```
 */
export interface ErrorResultOptions {
  message?: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  meta?: ResultMeta;
}

/**
 * Builds the answer for an error code: the status from the code table, a JSON body and its headers.
 * Adapters use it for the few answers they produce before `receive()` can run (body too large
 * mid-stream, read timeout, raw body unavailable), so every answer has the same shape.
 *
 * @example
 * ```ts
 * import { errorResult } from '@armalo-webhooks/core';
 * const result = errorResult('RAW_BODY_UNAVAILABLE', { message: 'Mount the route before express.json()' });
 * ```
 */
export function errorResult(code: WebhookErrorCode, options: ErrorResultOptions = {}): WebhookResult {
  const body: ErrorBody = { error: options.message ?? ERROR_MESSAGES[code], code };
  if (options.details !== undefined) body.details = options.details;
  const headers: Record<string, string> = { ...JSON_HEADERS, ...options.headers };
  return { status: ERROR_STATUS[code], headers, body, meta: options.meta ?? {} };
}

/**
 * Builds a 200 answer; `duplicate` marks a delivery that was already processed.
 *
 * @example
 * ```ts
 * successResult(true).body; // { ok: true, duplicate: true }
 * ```
 */
export function successResult(duplicate: boolean, meta: ResultMeta = {}): WebhookResult {
  return {
    status: 200,
    headers: { ...JSON_HEADERS },
    body: duplicate ? { ok: true, duplicate: true } : { ok: true },
    meta,
  };
}
