import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';

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
export type ReceiverSource = AnyWebhookReceiver | (() => AnyWebhookReceiver);

/**
 * Returns a getter for the receiver. A factory runs on the first request and its receiver is kept
 * for the life of the module (one idempotency store, one set of imported keys). A factory that
 * throws (a missing secret, say) throws again on every request until it succeeds, so the route
 * answers Next's own 500 and the sender retries, with the reason in the server log.
 */
export function resolveReceiver(source: ReceiverSource): () => AnyWebhookReceiver {
  if (typeof source !== 'function') return () => source;
  let receiver: AnyWebhookReceiver | undefined;
  return () => {
    receiver ??= source();
    return receiver;
  };
}
