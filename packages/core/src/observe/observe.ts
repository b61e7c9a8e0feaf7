import type { SchemaMap } from '../events/event-types.js';
import { internalsOf } from '../receiver/internals.js';
import type { WebhookReceiver } from '../receiver/receiver.js';
import type { WebhookObserver } from './observer.js';

/**
 * Adds an observer to a receiver (see {@link WebhookObserver}); returns the function that removes
 * it. Instrumentation such as `@armalo-webhooks/opentelemetry` attaches itself this way.
 *
 * @example
 * ```ts
 * import { observe } from '@armalo-webhooks/core';
 * const stop = observe(webhooks, {
 *   answered: (answer) => { if (answer.code === 'INVALID_SIGNATURE') alarms.signatureFailures.inc(); },
 * });
 * ```
 */
export function observe(receiver: Pick<WebhookReceiver<SchemaMap>, 'receive'>, observer: WebhookObserver): () => void {
  return internalsOf(receiver, 'observe()').observers.add(observer);
}
