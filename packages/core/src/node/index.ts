import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AnyWebhookReceiver, handleExchange } from '../adapter/handle-exchange.js';
import { writeNodeResult } from '../adapter/write.js';

const FIX = 'Call the webhook handler with the untouched request, before any body parser reads it.';

/**
 * A `node:http` request listener for one receiver. Mount it on a path yourself, or use it as the
 * whole server.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createNodeHandler } from '@armalo-webhooks/core/node';
 *
 * const handle = createNodeHandler(webhooks);
 * createServer((req, res) => {
 *   if (req.url === '/webhooks/armalo') return void handle(req, res);
 *   res.writeHead(404).end();
 * }).listen(3000);
 * ```
 */
export function createNodeHandler(
  receiver: AnyWebhookReceiver,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const exchange = {
      method: req.method,
      headers: req.headers,
      body: { kind: 'node', stream: req, fix: FIX },
    } as const;
    writeNodeResult(res, await handleExchange(receiver, exchange));
  };
}

export { writeNodeResult } from '../adapter/write.js';
