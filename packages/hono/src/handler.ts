import type {} from '@armalo-webhooks/core';
import { type AnyWebhookReceiver, type ExchangeBody, handleExchange, toResponse } from '@armalo-webhooks/core/adapter';
import type { Context } from 'hono';

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set when the delivery came through `@armalo-webhooks/hono`: the Hono context of the request. */
    readonly hono?: Context;
  }
}

const FIX =
  'Read nothing from the body before armaloWebhooks(): no c.req.json(), c.req.text(), c.req.parseBody() or validator middleware on the webhook route. A middleware that must see the body can call c.req.arrayBuffer(), whose cached bytes are used as they are.';

/**
 * Where the request's bytes are. Hono re-creates a body read as text or JSON from its cache, which
 * is not byte-exact (a BOM or invalid UTF-8 is lost), so only an unread request or a cached
 * `arrayBuffer()` counts.
 */
async function bodyOf(c: Context): Promise<ExchangeBody> {
  if (!c.req.raw.bodyUsed) return { kind: 'web', request: c.req.raw, fix: FIX };
  const cached = await (c.req.bodyCache.arrayBuffer as Promise<ArrayBuffer> | undefined)?.catch(() => undefined);
  return cached === undefined ? { kind: 'consumed', fix: FIX } : { kind: 'bytes', bytes: new Uint8Array(cached) };
}

/**
 * A Hono 4 handler for one receiver, on every runtime Hono runs on (Node.js, Bun, Deno, Cloudflare
 * Workers). It hands core the request's exact bytes and returns core's answer (status, headers,
 * JSON body) as the `Response`. Mount it with `app.post`, or with `app.all`/`app.use` so other
 * methods get the JSON 405 with `Allow: POST`. Handlers reach the Hono context as `ctx.hono`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { armaloWebhooks } from '@armalo-webhooks/hono';
 *
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   console.log(event.data.compositeScore, ctx.hono?.req.header('x-request-id'));
 * });
 *
 * const app = new Hono();
 * app.post('/webhooks/armalo', armaloWebhooks(webhooks));
 * export default app; // Bun, Deno, Workers; on Node.js: serve(app) from @hono/node-server
 * ```
 */
export function armaloWebhooks(receiver: AnyWebhookReceiver): (c: Context) => Promise<Response> {
  return async (c) => {
    const exchange = { method: c.req.method, headers: c.req.raw.headers, body: await bodyOf(c), context: { hono: c } };
    return toResponse(await handleExchange(receiver, exchange));
  };
}
