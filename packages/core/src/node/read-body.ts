import type { IncomingMessage } from 'node:http';
import type { BodyReadFailure } from '../body-failures.js';

/**
 * Why a body could not be read: too large, too slow, the client went away, or a body parser had
 * already consumed the stream.
 *
 * @example
 * ```ts
 * const outcome = await readNodeBody(req, { maxBodyBytes: 1024, timeoutMs: 5000 });
 * if (!outcome.ok && outcome.reason === 'too-large') res.statusCode = 413;
 * ```
 */
export type ReadBodyOutcome = { ok: true; body: Buffer } | { ok: false; reason: BodyReadFailure };

/**
 * Options for {@link readNodeBody}.
 *
 * @example
 * ```ts
 * const options: ReadNodeBodyOptions = { maxBodyBytes: receiver.maxBodyBytes, timeoutMs: receiver.bodyTimeoutMs };
 * ```
 */
export interface ReadNodeBodyOptions {
  maxBodyBytes: number;
  timeoutMs: number;
}

/**
 * Reads a Node request stream into one Buffer, stopping as soon as the limit is crossed (the body
 * is never buffered whole first) and giving up after `timeoutMs`. Never waits on a stream that a
 * body parser already drained: that is answered at once as `consumed`.
 *
 * @example
 * ```ts
 * import { readNodeBody } from '@armalo-webhooks/core/node';
 * const outcome = await readNodeBody(req, { maxBodyBytes: 1 << 20, timeoutMs: 30_000 });
 * ```
 */
export function readNodeBody(req: IncomingMessage, options: ReadNodeBodyOptions): Promise<ReadBodyOutcome> {
  if (req.readableEnded || req.readableDidRead || req.destroyed) {
    return Promise.resolve(
      req.destroyed && !req.readableEnded ? { ok: false, reason: 'aborted' } : { ok: false, reason: 'consumed' },
    );
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), options.timeoutMs);

    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (received > options.maxBodyBytes) {
        finish({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      finish({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received) });
    }
    function onClose(): void {
      if (!req.complete) finish({ ok: false, reason: 'aborted' });
    }
    function onError(): void {
      finish({ ok: false, reason: 'aborted' });
    }
    function finish(outcome: ReadBodyOutcome): void {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onError);
      if (!outcome.ok) {
        chunks.length = 0;
        // Keep discarding whatever is still in flight: the answer closes the connection, and a
        // paused stream would hold the socket open until then.
        req.on('error', () => {});
        req.resume();
      }
      resolve(outcome);
    }

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onError);
    // A 'data' listener does not restart a stream that something paused explicitly (req.pause()),
    // which would then sit until the timeout.
    req.resume();
  });
}
