import { type AnyWebhookReceiver, handleExchange } from '../adapter/handle-exchange.js';
import { toResponse } from '../adapter/write.js';

const FIX = 'Pass the untouched Request to the webhook handler: do not call request.json() or request.text() first.';

/**
 * A `(Request) => Promise<Response>` handler for one receiver: Hono, Bun, Deno, Cloudflare
 * Workers, Next.js route handlers, anything built on fetch.
 *
 * @example
 * ```ts
 * import { createFetchHandler } from '@armalo-webhooks/core/fetch';
 * const handle = createFetchHandler(webhooks);
 * Bun.serve({ port: 3000, fetch: (req) => handle(req) });
 * ```
 */
export function createFetchHandler(receiver: AnyWebhookReceiver): (request: Request) => Promise<Response> {
  return async (request) =>
    toResponse(
      await handleExchange(receiver, {
        method: request.method,
        headers: request.headers,
        body: { kind: 'web', request, fix: FIX },
      }),
    );
}

export { toResponse } from '../adapter/write.js';
