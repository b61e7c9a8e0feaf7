import type { WebhookReceiverCore } from '@armalo-webhooks/core';

/**
 * A receiver, or a function that creates one. Pass a function when the receiver needs values
 * that only exist at run time (the webhook secret): `next build` imports every route module to
 * collect its config, and a receiver created at module level would need the secret at build time.
 *
 * @example
 * ```ts
 * const source: ReceiverSource = () => createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * ```
 */
export type ReceiverSource = WebhookReceiverCore | (() => WebhookReceiverCore);

/**
 * Returns a getter for the receiver. A factory runs on the first request and its receiver is kept
 * for the life of the module (one idempotency store, one set of imported keys). A factory that
 * throws (a missing secret, say) is logged and retried on the next request; meanwhile the getter
 * returns `undefined` and the adapter answers a JSON 500, which the sender retries.
 */
export function resolveReceiver(source: ReceiverSource): () => WebhookReceiverCore | undefined {
  if (typeof source !== 'function') return () => source;
  let receiver: WebhookReceiverCore | undefined;
  return () => {
    if (receiver !== undefined) return receiver;
    try {
      receiver = source();
    } catch (error) {
      console.error('armalo-webhooks: the receiver factory passed to @armalo-webhooks/next threw', error);
    }
    return receiver;
  };
}
