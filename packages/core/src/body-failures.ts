import type { WebhookReceiverCore } from './receiver.js';
import type { WebhookResult } from './result.js';

/**
 * Why an adapter could not get a body: too large, too slow, the client went away, or a framework
 * had already consumed the stream.
 *
 * @example
 * ```ts
 * const reason: BodyReadFailure = 'too-large';
 * ```
 */
export type BodyReadFailure = 'too-large' | 'timeout' | 'aborted' | 'consumed';

const CLOSE = { connection: 'close' } as const;

/**
 * The answer for a body that could not be read, the same from every adapter. Answers to a client
 * that is still sending (too large, too slow) close the connection, so the unread rest of the body
 * cannot be taken for the next request. `consumedMessage` names the fix for the adapter's framework.
 *
 * @example
 * ```ts
 * import { bodyFailureResult } from '@armalo-webhooks/core';
 * const result = bodyFailureResult(receiver, 'consumed', 'Mount the webhook route before express.json()');
 * ```
 */
export function bodyFailureResult(
  receiver: WebhookReceiverCore,
  reason: BodyReadFailure,
  consumedMessage: string,
): WebhookResult {
  switch (reason) {
    case 'too-large':
      return receiver.errorResult('PAYLOAD_TOO_LARGE', { headers: CLOSE });
    case 'timeout':
      return receiver.errorResult('REQUEST_TIMEOUT', { headers: CLOSE });
    case 'aborted':
      // Only runtimes that insist on an answer get this one: the client is gone.
      return receiver.errorResult('REQUEST_TIMEOUT', {
        message: 'The client aborted the request body',
        headers: CLOSE,
      });
    case 'consumed':
      return receiver.errorResult('RAW_BODY_UNAVAILABLE', { message: consumedMessage });
  }
}

/**
 * The answer when `maxConcurrentBodies` bodies are already being buffered.
 *
 * @example
 * ```ts
 * if (receiver.acquireBodySlot() === undefined) return serverBusyResult(receiver);
 * ```
 */
export function serverBusyResult(receiver: WebhookReceiverCore): WebhookResult {
  return receiver.errorResult('SERVER_BUSY', { headers: { 'retry-after': '1', ...CLOSE } });
}
