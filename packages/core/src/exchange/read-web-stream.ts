import type { BodyRead, ReadLimits } from './types.js';

/**
 * Reads a fetch `Request` body from its stream, cancelling it as soon as the limit is crossed
 * (nothing past the limit is buffered) or the timeout passes. A body already read by
 * `request.json()` or `request.text()`, or locked by a reader, is `consumed`, never awaited.
 */
export async function readWebStream(request: Request, limits: ReadLimits): Promise<BodyRead> {
  if (request.bodyUsed || request.body?.locked === true) return { ok: false, reason: 'consumed' };
  if (request.body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === 'timeout' || (!next.done && received + next.value.byteLength > limits.maxBodyBytes)) {
        reader.cancel().catch(() => {});
        return { ok: false, reason: next === 'timeout' ? 'timeout' : 'too-large' };
      }
      if (next.done) break;
      received += next.value.byteLength;
      chunks.push(next.value);
    }
  } catch {
    return { ok: false, reason: 'aborted' };
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0] as Uint8Array };
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}
