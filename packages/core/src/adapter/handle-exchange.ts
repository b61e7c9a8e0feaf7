import type { SchemaMap } from '../events/event-types.js';
import type { WebhookResult } from '../exchange/result.js';
import type { Exchange } from '../exchange/types.js';
import { internalsOf } from '../receiver/internals.js';
import type { WebhookReceiver } from '../receiver/receiver.js';

/**
 * Any receiver from `createWebhookReceiver()`, whatever its schemas: what adapters accept.
 *
 * @example
 * ```ts
 * function mount(receiver: AnyWebhookReceiver) {
 *   return (request: Request) => handleExchange(receiver, { method: request.method, headers: request.headers, body: { kind: 'web', request, fix: '…' } });
 * }
 * ```
 */
export type AnyWebhookReceiver = Pick<WebhookReceiver<SchemaMap>, 'receive'>;

/**
 * Runs one HTTP exchange through a receiver: the checks that need no body, the body read from
 * wherever the host holds it (bounded in size, time and concurrency; refused when already
 * consumed, with the host's fix), the pipeline, idempotency and handlers. Resolves to the answer
 * to write, and never rejects. Throws a `TypeError` only when `receiver` is not a receiver.
 *
 * @example
 * ```ts
 * import { handleExchange, writeNodeResult } from '@armalo-webhooks/core/adapter';
 *
 * server.on('request', async (req, res) => {
 *   const result = await handleExchange(webhooks, {
 *     method: req.method,
 *     headers: req.headers,
 *     body: { kind: 'node', stream: req, fix: 'Mount the webhook handler before any body parser' },
 *   });
 *   writeNodeResult(res, result);
 * });
 * ```
 */
export function handleExchange(receiver: AnyWebhookReceiver, exchange: Exchange): Promise<WebhookResult> {
  return internalsOf(receiver, 'handleExchange()').exchange(exchange);
}
