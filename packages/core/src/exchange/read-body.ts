import { readNodeStream } from '#node-body';
import { strictBase64ToBytes, toBytes } from '../bytes.js';
import { getSingleHeader, type HeadersInput } from '../headers.js';
import { tooLarge } from './check-request.js';
import { readWebStream } from './read-web-stream.js';
import { refusal, type WebhookResult } from './result.js';
import type { BodyRead, ExchangeBody } from './types.js';

/** The receiver's limits on reading bodies, and its count of bodies being read right now. */
export interface BodyReader {
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  inFlight: number;
  /** Called with the answer the first time a body turns out to be consumed: a setup mistake. */
  onConsumed(result: WebhookResult): void;
}

/**
 * Gets the exact bytes of a request from wherever the host holds them, or the answer to give
 * instead: 400 for a base64 body that is not base64, 413 past the limit, 408 past the read timeout
 * or when the client went away, 503 when `maxConcurrentBodies` bodies are already being read, 500
 * `RAW_BODY_UNAVAILABLE` (with the host's fix) when the body is gone. The one place every adapter's
 * body is read.
 */
export function readExchangeBody(
  body: ExchangeBody,
  headers: HeadersInput,
  reader: BodyReader,
): Uint8Array | WebhookResult | Promise<Uint8Array | WebhookResult> {
  if (body.kind === 'bytes') {
    const bytes = toBytes(body.bytes);
    return bytes.byteLength > reader.maxBodyBytes ? tooLarge(reader.maxBodyBytes) : bytes;
  }
  if (body.kind === 'base64') return decodeBase64(body.text, reader);
  if (body.kind === 'consumed') return consumed(body.fix, reader);
  return readStream(body, headers, reader);
}

async function readStream(
  body: Extract<ExchangeBody, { kind: 'node' | 'web' }>,
  headers: HeadersInput,
  reader: BodyReader,
): Promise<Uint8Array | WebhookResult> {
  if (reader.inFlight >= reader.maxConcurrent) return refusal('SERVER_BUSY');
  reader.inFlight++;
  let read: BodyRead;
  try {
    const limits = { maxBodyBytes: reader.maxBodyBytes, timeoutMs: reader.timeoutMs };
    if (body.kind === 'web') {
      read = await readWebStream(body.request, limits);
    } else {
      const length = Number(getSingleHeader(headers, 'content-length'));
      read = await readNodeStream(
        body.stream,
        Number.isSafeInteger(length) ? { ...limits, declaredLength: length } : limits,
      );
    }
  } finally {
    reader.inFlight--;
  }
  if (read.ok) return read.bytes;
  switch (read.reason) {
    case 'too-large':
      return tooLarge(reader.maxBodyBytes);
    case 'timeout':
      return refusal('REQUEST_TIMEOUT');
    case 'aborted':
      return refusal('REQUEST_TIMEOUT', { meta: { aborted: true } });
    case 'consumed':
      return consumed(body.fix, reader);
  }
}

function decodeBase64(text: string, reader: BodyReader): Uint8Array | WebhookResult {
  const bytes = strictBase64ToBytes(text);
  if (bytes === undefined) return refusal('INVALID_BODY_ENCODING');
  return bytes.byteLength > reader.maxBodyBytes ? tooLarge(reader.maxBodyBytes) : bytes;
}

function consumed(fix: string, reader: BodyReader): WebhookResult {
  const result = refusal('RAW_BODY_UNAVAILABLE', { details: { fix } });
  reader.onConsumed(result);
  return result;
}
