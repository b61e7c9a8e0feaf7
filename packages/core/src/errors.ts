/**
 * Every way a delivery can be refused or fail, with the HTTP status each one answers.
 * Codes are stable: monitor and alert on them, they will not be renamed.
 *
 * @example
 * ```ts
 * import { ERROR_STATUS } from '@armalo-webhooks/core';
 * ERROR_STATUS.INVALID_SIGNATURE; // 401
 * ```
 */
export const ERROR_STATUS = {
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  MISSING_SIGNATURE: 401,
  MALFORMED_SIGNATURE: 401,
  INVALID_SIGNATURE: 401,
  TIMESTAMP_OUT_OF_TOLERANCE: 401,
  INVALID_JSON: 400,
  INVALID_ENVELOPE: 400,
  INVALID_EVENT_DATA: 422,
  UNKNOWN_EVENT: 400,
  DELIVERY_IN_PROGRESS: 409,
  HANDLER_FAILED: 500,
  IDEMPOTENCY_STORE_UNAVAILABLE: 503,
  SERVER_BUSY: 503,
  RAW_BODY_UNAVAILABLE: 500,
  INTERNAL_ERROR: 500,
} as const;

/**
 * A stable error code; see {@link ERROR_STATUS} for the status each one maps to.
 *
 * @example
 * ```ts
 * import type { WebhookErrorCode } from '@armalo-webhooks/core';
 * const code: WebhookErrorCode = 'INVALID_SIGNATURE';
 * ```
 */
export type WebhookErrorCode = keyof typeof ERROR_STATUS;

/**
 * The short, fixed message each code answers with. Messages never contain request data,
 * secrets or signatures, so an error body is always safe to return and to log.
 *
 * @example
 * ```ts
 * import { ERROR_MESSAGES } from '@armalo-webhooks/core';
 * ERROR_MESSAGES.MISSING_SIGNATURE; // 'Missing X-Armalo-Signature header'
 * ```
 */
export const ERROR_MESSAGES: Readonly<Record<WebhookErrorCode, string>> = {
  METHOD_NOT_ALLOWED: 'Method not allowed: Armalo webhooks are delivered with POST',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type: the body must be uncompressed application/json',
  PAYLOAD_TOO_LARGE: 'Request body is larger than the configured limit',
  REQUEST_TIMEOUT: 'Request body was not received within the read timeout',
  MISSING_SIGNATURE: 'Missing X-Armalo-Signature header',
  MALFORMED_SIGNATURE: 'X-Armalo-Signature must be one value of 64 hexadecimal characters',
  INVALID_SIGNATURE: 'Signature does not match the request body',
  TIMESTAMP_OUT_OF_TOLERANCE: 'Event timestamp is outside the accepted replay window',
  INVALID_JSON: 'Request body is not valid UTF-8 JSON',
  INVALID_ENVELOPE: 'Request body is not a valid Armalo webhook envelope',
  INVALID_EVENT_DATA: 'Event data does not match the schema for this event',
  UNKNOWN_EVENT: 'Unknown event type',
  DELIVERY_IN_PROGRESS: 'This delivery is being processed by another attempt; retry later',
  HANDLER_FAILED: 'Webhook handler failed; the delivery was not acknowledged',
  IDEMPOTENCY_STORE_UNAVAILABLE: 'Idempotency store unavailable; retry later',
  SERVER_BUSY: 'Too many webhook bodies are being received at once; retry later',
  RAW_BODY_UNAVAILABLE:
    'The raw request body is not available because it was already parsed; mount the webhook route before any body parser',
  INTERNAL_ERROR: 'Internal error while receiving the webhook',
};

/**
 * Options accepted by {@link WebhookError}.
 *
 * @example
 * ```ts
 * const options: WebhookErrorOptions = { message: 'custom', details: { limit: 1024 } };
 * ```
 */
export interface WebhookErrorOptions {
  message?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error class of the library: a stable `code`, the HTTP `status` it maps to,
 * and optional `details` that are safe to send back to the caller.
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
    super(options.message ?? ERROR_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookError';
    this.code = code;
    this.status = ERROR_STATUS[code];
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
      Object.hasOwn(ERROR_STATUS, (value as Partial<WebhookError>).code!))
  );
}
