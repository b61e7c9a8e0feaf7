import type { BodyRead, NodeBodyStream, ReadLimits } from './types.js';

/**
 * Reads a Node request stream inside the size limit, the declared length and the read timeout,
 * with plain listeners and one promise (raw-body did the same work with about 10k instructions
 * more per request: issue 24, docs/benchmarks.md). A stream that something already read, even in
 * part, or that decodes to strings, is `consumed` at once: never waited on, never read from the
 * middle. A declared length past the limit is `too-large` before any byte is read; a body longer
 * or shorter than it declared, an 'aborted', an 'error' or a 'close' before the end is `aborted`.
 * Resolved through the `#node-body` import condition, so that edge bundles never include it.
 */
export function readNodeStream(stream: NodeBodyStream, limits: ReadLimits): Promise<BodyRead> {
  if (stream.readableEnded || stream.readableDidRead || stream._body === true) return CONSUMED;
  if (stream.destroyed) return ABORTED;
  if (stream.readableEncoding || stream.readable === false) return CONSUMED;
  const { maxBodyBytes, declaredLength } = limits;
  if (declaredLength !== undefined && declaredLength > maxBodyBytes) {
    discard(stream);
    return TOO_LARGE;
  }
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let received = 0;
    const finish = (outcome: BodyRead) => {
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onAbort);
      stream.removeListener('aborted', onAbort);
      stream.removeListener('close', onClose);
      // Keep discarding what is still in flight until the answer closes the connection; a paused
      // stream would hold the socket open until then.
      if (!outcome.ok) discard(stream);
      resolve(outcome);
    };
    const onData = (chunk: unknown) => {
      if (typeof chunk === 'string') return finish(CONSUMED_READ);
      const bytes = chunk as Uint8Array;
      received += bytes.byteLength;
      if (received > maxBodyBytes) return finish(TOO_LARGE_READ);
      if (declaredLength !== undefined && received > declaredLength) return finish(ABORTED_READ);
      chunks.push(bytes);
    };
    const onEnd = () => {
      if (declaredLength !== undefined && received !== declaredLength) return finish(ABORTED_READ);
      finish({ ok: true, bytes: chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, received) });
    };
    const onAbort = () => finish(ABORTED_READ);
    // A stream destroyed before its end emits 'close' without 'end' (and, on Node 16+, no 'aborted').
    const onClose = () => {
      if (stream.complete !== true && !stream.readableEnded) finish(ABORTED_READ);
    };
    const timer = setTimeout(() => finish(TIMEOUT_READ), limits.timeoutMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onAbort);
    stream.on('aborted', onAbort);
    stream.on('close', onClose);
    // A 'data' listener does not restart a stream that middleware paused explicitly.
    stream.resume();
  });
}

function discard(stream: NodeBodyStream): void {
  stream.on('error', () => {});
  stream.resume();
}

const CONSUMED_READ: BodyRead = { ok: false, reason: 'consumed' };
const ABORTED_READ: BodyRead = { ok: false, reason: 'aborted' };
const TOO_LARGE_READ: BodyRead = { ok: false, reason: 'too-large' };
const TIMEOUT_READ: BodyRead = { ok: false, reason: 'timeout' };
const CONSUMED = Promise.resolve(CONSUMED_READ);
const ABORTED = Promise.resolve(ABORTED_READ);
const TOO_LARGE = Promise.resolve(TOO_LARGE_READ);
