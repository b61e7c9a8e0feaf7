import type { WebhookContext, WebhookContextExtensions } from '../events/event-types.js';
import { getSingleHeader } from '../headers.js';

/** Everything in a handler's `ctx` but `header()`, which reads `headers`. */
export type ContextFields = Omit<WebhookContext, 'header' | keyof WebhookContextExtensions>;

/**
 * The handlers' `ctx`, the same shape inline and in the inbox worker. Core's fields win over the
 * adapter's or the engine's `extensions` (`ctx.express`, `ctx.pg`).
 */
export function createContext(fields: ContextFields, extensions?: Partial<WebhookContextExtensions>): WebhookContext {
  const { headers } = fields;
  const own: WebhookContext = {
    idempotencyKey: fields.idempotencyKey,
    secretIndex: fields.secretIndex,
    receivedAt: fields.receivedAt,
    headers,
    header: (name: string) => getSingleHeader(headers, name.toLowerCase()),
    rawBody: fields.rawBody,
    attempt: fields.attempt,
    deliveryId: fields.deliveryId,
    enqueuedAt: fields.enqueuedAt,
    freshness: fields.freshness,
  };
  return extensions === undefined ? own : Object.assign({}, extensions, own);
}
