import type {} from '@armalo-webhooks/core';
import { type AnyWebhookReceiver, handleExchange } from '@armalo-webhooks/core/adapter';
import type { Context, Middleware } from 'koa';

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set when the delivery came through `@armalo-webhooks/koa`: the Koa context of the request. */
    readonly koa?: Context;
  }
}

const FIX =
  "Mount armaloWebhooks() before bodyParser() (koa-bodyparser or @koa/bodyparser), or set ctx.disableBodyParser = true for the webhook path in a middleware that runs before the parser. The parser's ctx.request.rawBody is decoded text, not the signed bytes.";

/**
 * Koa 3 middleware for one receiver. It hands core the unread request stream (`ctx.req`) and sets
 * `ctx.status`, the headers and the JSON body from core's answer. A body parser that ran first has
 * drained the stream: core then answers `500 RAW_BODY_UNAVAILABLE` naming the fix. Mount it on
 * the webhook path only; it answers every request it sees and never calls `next()`.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { bodyParser } from '@koa/bodyparser';
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { armaloWebhooks } from '@armalo-webhooks/koa';
 *
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   ctx.koa?.state.log?.info(event.data.compositeScore);
 * });
 *
 * const hooks = armaloWebhooks(webhooks);
 * const app = new Koa();
 * app.use((ctx, next) => (ctx.path === '/webhooks/armalo' ? hooks(ctx, next) : next())); // 1. first
 * app.use(bodyParser()); //                                                                  2. then the parser
 * ```
 */
export function armaloWebhooks(receiver: AnyWebhookReceiver): Middleware {
  return async (ctx) => {
    const result = await handleExchange(receiver, {
      method: ctx.method,
      headers: ctx.req.headers,
      body: { kind: 'node', stream: ctx.req, fix: FIX },
      context: { koa: ctx },
    });
    ctx.status = result.status;
    ctx.set(result.headers);
    ctx.body = JSON.stringify(result.body);
  };
}
