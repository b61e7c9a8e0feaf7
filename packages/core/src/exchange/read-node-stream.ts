import type { Readable } from 'node:stream';
import getRawBody from 'raw-body';
import type { BodyRead, NodeBodyStream, ReadLimits } from './types.js';

/**
 * Reads a Node request stream with raw-body (the size limit, the declared length, aborts) inside
 * the read timeout. A stream that something already read, even in part, is `consumed` at once:
 * never waited on, never read from the middle. Resolved through the `#node-body` import condition,
 * so that edge bundles never include raw-body.
 */
export function readNodeStream(stream: NodeBodyStream, limits: ReadLimits): Promise<BodyRead> {
  if (stream.readableEnded || stream.readableDidRead || stream._body === true) {
    return Promise.resolve({ ok: false, reason: 'consumed' });
  }
  if (stream.destroyed) return Promise.resolve({ ok: false, reason: 'aborted' });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: BodyRead) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.removeListener('close', onClose);
      if (!outcome.ok) {
        // Keep discarding what is still in flight until the answer closes the connection; a
        // paused stream would hold the socket open until then.
        stream.on('error', () => {});
        stream.resume();
      }
      resolve(outcome);
    };
    // raw-body only cleans up on 'close'; a stream that closes before its end was aborted.
    const onClose = () => {
      if (stream.complete !== true && !stream.readableEnded) finish({ ok: false, reason: 'aborted' });
    };
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), limits.timeoutMs);
    stream.on('close', onClose);
    getRawBody(stream as unknown as Readable, {
      limit: limits.maxBodyBytes,
      ...(limits.declaredLength === undefined ? {} : { length: limits.declaredLength }),
    }).then(
      (bytes) => finish({ ok: true, bytes }),
      (error: { type?: string }) =>
        finish({
          ok: false,
          reason:
            error.type === 'entity.too.large'
              ? 'too-large'
              : error.type === 'stream.encoding.set' || error.type === 'stream.not.readable'
                ? 'consumed'
                : 'aborted',
        }),
    );
    // A 'data' listener does not restart a stream that middleware paused explicitly.
    stream.resume();
  });
}
