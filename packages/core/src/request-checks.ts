import { getSingleHeader, type HeadersInput } from './headers.js';
import { errorResult, type WebhookResult } from './result.js';

const ALLOW_POST = { allow: 'POST' } as const;

/**
 * Whether a `Content-Type` value names JSON: `application/json` or any `+json` type, with any parameters.
 *
 * @example
 * ```ts
 * isJsonContentType('application/json; charset=utf-8'); // true
 * isJsonContentType('text/plain'); // false
 * ```
 */
export function isJsonContentType(value: string): boolean {
  const semi = value.indexOf(';');
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * The checks that need only the method and headers: 405, 415 (content type or encoding) and 413
 * from a declared `Content-Length`. Adapters call this before reading the body, so that a refused
 * request is answered without buffering it. Returns `undefined` when the request may proceed.
 */
export function checkRequestHeaders(
  method: string | undefined,
  headers: HeadersInput,
  maxBodyBytes: number,
): WebhookResult | undefined {
  if (method !== undefined && method !== 'POST' && method.toUpperCase() !== 'POST') {
    return errorResult('METHOD_NOT_ALLOWED', { headers: ALLOW_POST });
  }
  const contentType = getSingleHeader(headers, 'content-type');
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    return errorResult('UNSUPPORTED_MEDIA_TYPE', {
      message: 'Unsupported media type: Content-Type must be application/json',
    });
  }
  const encoding = getSingleHeader(headers, 'content-encoding');
  if (encoding !== undefined) {
    const normalized = encoding.trim().toLowerCase();
    if (normalized !== '' && normalized !== 'identity') {
      return errorResult('UNSUPPORTED_MEDIA_TYPE', {
        message:
          'Unsupported media type: Content-Encoding must be identity; the signature covers the uncompressed bytes',
      });
    }
  }
  const length = getSingleHeader(headers, 'content-length');
  if (length !== undefined && Number(length) > maxBodyBytes) {
    return payloadTooLarge(maxBodyBytes, true);
  }
  return undefined;
}

/**
 * The 413 answer. `closeConnection` adds `Connection: close`, which adapters need when they stop
 * reading a body mid-stream, so that the unread rest cannot be taken for the next request.
 */
export function payloadTooLarge(maxBodyBytes: number, closeConnection: boolean): WebhookResult {
  return errorResult('PAYLOAD_TOO_LARGE', {
    message: `Request body is larger than the ${maxBodyBytes}-byte limit`,
    details: { limit: maxBodyBytes },
    ...(closeConnection ? { headers: { connection: 'close' } } : {}),
  });
}
