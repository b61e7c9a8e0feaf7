import { getSingleHeader, type HeadersInput } from '../headers.js';
import { isJsonContentType } from './media-type.js';
import { refusal, type WebhookResult } from './result.js';

/**
 * Step 0, the checks that need no body: the method (405), `Content-Type` and `Content-Encoding`
 * (415: the signature covers the bytes as sent, so only identity), and a declared
 * `Content-Length` over the limit (413, before a byte is read). `method` is left unchecked when
 * the caller has none (`receive()` called with bytes only).
 */
export function checkRequest(
  method: string | undefined,
  headers: HeadersInput,
  maxBodyBytes: number,
): WebhookResult | undefined {
  if (method !== undefined && method !== 'POST' && method.toUpperCase() !== 'POST') {
    return refusal('METHOD_NOT_ALLOWED');
  }
  const contentType = getSingleHeader(headers, 'content-type');
  if (contentType !== undefined && !isJsonContentType(contentType)) return refusal('UNSUPPORTED_MEDIA_TYPE');
  const encoding = getSingleHeader(headers, 'content-encoding');
  if (encoding !== undefined) {
    const normalized = encoding.trim().toLowerCase();
    if (normalized !== '' && normalized !== 'identity') return refusal('UNSUPPORTED_MEDIA_TYPE');
  }
  const length = getSingleHeader(headers, 'content-length');
  if (length !== undefined && Number(length) > maxBodyBytes) return tooLarge(maxBodyBytes);
  return undefined;
}

/** The 413 answer, with the limit the caller can size its bodies by. */
export function tooLarge(maxBodyBytes: number): WebhookResult {
  return refusal('PAYLOAD_TOO_LARGE', { details: { limit: maxBodyBytes } });
}
