/**
 * Every way a delivery can be refused or fail: the HTTP status, the fixed message and any
 * headers that always go with it. One table: call sites pick a code and may add `details`, never
 * another message. Codes are stable: monitor and alert on them, they will not be renamed.
 *
 * @example
 * ```ts
 * import { ERRORS } from '@armalo-webhooks/core';
 * ERRORS.SERVER_BUSY.headers; // { 'retry-after': '1', connection: 'close' }
 * ```
 */
export const ERRORS = {
  METHOD_NOT_ALLOWED: { status: 405, message: 'Armalo webhooks are delivered with POST', headers: { allow: 'POST' } },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The body must be uncompressed application/json' },
  INVALID_BODY_ENCODING: { status: 400, message: 'The body is marked base64-encoded but is not valid base64' },
  // Answers sent before the whole body was read close the connection: the unread rest must not be
  // taken for the next request on a keep-alive connection.
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'Request body larger than details.limit bytes',
    headers: { connection: 'close' },
  },
  REQUEST_TIMEOUT: {
    status: 408,
    message: 'Request body not received in full in time',
    headers: { connection: 'close' },
  },
  MISSING_SIGNATURE: { status: 401, message: 'Missing X-Armalo-Signature header' },
  MALFORMED_SIGNATURE: { status: 401, message: 'X-Armalo-Signature must be one value of 64 hex digits' },
  INVALID_SIGNATURE: { status: 401, message: 'Signature does not match the request body' },
  TIMESTAMP_OUT_OF_TOLERANCE: { status: 401, message: 'Event timestamp is outside the accepted replay window' },
  INVALID_JSON: { status: 400, message: 'Request body is not valid UTF-8 JSON' },
  INVALID_ENVELOPE: { status: 400, message: 'Request body is not a valid Armalo webhook envelope' },
  INVALID_EVENT_DATA: { status: 422, message: 'Event data does not match the schema for this event' },
  UNKNOWN_EVENT: { status: 400, message: 'Unknown event type' },
  DELIVERY_IN_PROGRESS: { status: 409, message: 'Another attempt is processing this delivery; retry later' },
  HANDLER_FAILED: { status: 500, message: 'A webhook handler failed; the delivery is not done' },
  IDEMPOTENCY_STORE_UNAVAILABLE: {
    status: 503,
    message: 'Idempotency store unavailable; retry later',
    headers: { 'retry-after': '5' },
  },
  INBOX_UNAVAILABLE: {
    status: 503,
    message: 'The inbox did not store the delivery; nothing was acknowledged, retry later',
    headers: { 'retry-after': '5' },
  },
  INBOX_FULL: {
    status: 503,
    message: 'The inbox holds more waiting deliveries than maxBacklog; retry later',
    headers: { 'retry-after': '30' },
  },
  SERVER_BUSY: {
    status: 503,
    message: 'Too many webhook bodies are being read at once; retry later',
    headers: { 'retry-after': '1', connection: 'close' },
  },
  RAW_BODY_UNAVAILABLE: {
    status: 500,
    message: 'The raw body was read or parsed before the webhook handler; details.fix says how to mount it',
  },
  INTERNAL_ERROR: { status: 500, message: 'Internal error while receiving the webhook' },
} as const satisfies Record<string, { status: number; message: string; headers?: Record<string, string> }>;

/**
 * A stable error code; see {@link ERRORS} for the status and message of each.
 *
 * @example
 * ```ts
 * import type { WebhookErrorCode } from '@armalo-webhooks/core';
 * const code: WebhookErrorCode = 'INVALID_SIGNATURE';
 * ```
 */
export type WebhookErrorCode = keyof typeof ERRORS;

/**
 * The HTTP status of each code, from {@link ERRORS}.
 *
 * @example
 * ```ts
 * import { ERROR_STATUS } from '@armalo-webhooks/core';
 * if (result.status === ERROR_STATUS.INVALID_SIGNATURE) alertOnRotation();
 * ```
 */
export const ERROR_STATUS = Object.fromEntries(Object.entries(ERRORS).map(([code, row]) => [code, row.status])) as {
  readonly [C in WebhookErrorCode]: (typeof ERRORS)[C]['status'];
};

/**
 * Options accepted by {@link WebhookError}.
 *
 * @example
 * ```ts
 * const options: WebhookErrorOptions = { details: { limit: 1024 }, cause: new Error('db down') };
 * ```
 */
export interface WebhookErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error class of the library: a stable `code`, the HTTP `status` it maps to, the table's
 * message, and optional `details` that are safe to send back to the caller.
 *
 * @example
 * ```ts
 * import { WebhookError } from '@armalo-webhooks/core';
 * const error = new WebhookError('HANDLER_FAILED', { cause: new Error('db down') });
 * error.status; // 500
 * ```
 */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: WebhookErrorCode, options: WebhookErrorOptions = {}) {
    super(ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options.details;
  }
}

/**
 * Type guard for {@link WebhookError}, robust across duplicated module copies.
 *
 * @example
 * ```ts
 * if (isWebhookError(err)) console.log(err.code);
 * ```
 */
export function isWebhookError(value: unknown): value is WebhookError {
  return (
    value instanceof WebhookError ||
    (value instanceof Error &&
      value.name === 'WebhookError' &&
      typeof (value as Partial<WebhookError>).code === 'string' &&
      Object.hasOwn(ERRORS, (value as Partial<WebhookError>).code!))
  );
}
