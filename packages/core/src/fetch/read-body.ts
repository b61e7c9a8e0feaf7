import type { BodyReadFailure } from '../body-failures.js';

/**
 * The outcome of reading a fetch `Request` body.
 *
 * @example
 * ```ts
 * const outcome = await readRequestBody(request, { maxBodyBytes: 1 << 20, timeoutMs: 30_000 });
 * ```
 */
export type ReadRequestBodyOutcome = { ok: true; body: Uint8Array } | { ok: false; reason: BodyReadFailure };

/**
 * Options for {@link readRequestBody}.
 *
 * @example
 * ```ts
 * const options: ReadRequestBodyOptions = { maxBodyBytes: 65_536, timeoutMs: 10_000 };
 * ```
 */
export interface ReadRequestBodyOptions {
  maxBodyBytes: number;
  timeoutMs: number;
}

/**
 * Reads a fetch `Request` body from its stream, cancelling it as soon as the limit is crossed
 * (nothing past the limit is buffered) or the timeout passes. A body already read by
 * `request.json()` or `request.text()` is reported as `consumed`, never awaited.
 *
 * @example
 * ```ts
 * import { readRequestBody } from '@armalo-webhooks/core/fetch';
 * const outcome = await readRequestBody(request, { maxBodyBytes: 1 << 20, timeoutMs: 30_000 });
 * if (outcome.ok) await webhooks.receive({ rawBody: outcome.body, headers: request.headers });
 * ```
 */
export async function readRequestBody(
  request: Request,
  options: ReadRequestBodyOptions,
): Promise<ReadRequestBodyOutcome> {
  if (request.bodyUsed) return { ok: false, reason: 'consumed' };
  if (request.body === null) return { ok: true, body: new Uint8Array(0) };
  // Someone holds a reader on the stream without having read it yet: getReader() would throw.
  if (request.body.locked) return { ok: false, reason: 'consumed' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === 'timeout') {
        reader.cancel().catch(() => {});
        return { ok: false, reason: 'timeout' };
      }
      if (next.done) break;
      received += next.value.byteLength;
      if (received > options.maxBodyBytes) {
        reader.cancel().catch(() => {});
        return { ok: false, reason: 'too-large' };
      }
      chunks.push(next.value);
    }
  } catch {
    return { ok: false, reason: 'aborted' };
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return { ok: true, body: chunks[0] as Uint8Array };
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, body };
}
