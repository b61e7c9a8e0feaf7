import type { WebhookContextExtensions } from '@armalo-webhooks/core';
import { type AnyWebhookReceiver, handleExchange, writeNodeResult } from '@armalo-webhooks/core/adapter';
import type { Request, RequestHandler, Response } from 'express';
import { expressContext } from './context.js';
import { capturedRawBody } from './raw-body.js';

const FIX =
  "Mount armaloWebhooks() before express.json() and other body parsers, or keep the bytes with express.json({ verify }) using the verify helper from '@armalo-webhooks/express'.";

/**
 * Express 4 and 5 middleware for one receiver. It hands core the raw body (taken from
 * `express.raw()` or the {@link verify} helper when a parser ran, else the unread request stream)
 * and writes the status, headers and JSON body core answers. It calls `next()` only with an
 * unexpected error.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { armaloWebhooks } from '@armalo-webhooks/express';
 *
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   console.log(ctx.express?.req.get('x-request-id'), event.data.compositeScore);
 * });
 *
 * const app = express();
 * app.use('/webhooks/armalo', armaloWebhooks(webhooks)); // before express.json()
 * app.use(express.json());
 * ```
 */
export function armaloWebhooks(receiver: AnyWebhookReceiver): RequestHandler {
  return webhookHandler({ receiver, fix: FIX, context: expressContext });
}

/** What an adapter built on Express says to {@link webhookHandler}. */
export interface WebhookHandlerOptions {
  receiver: AnyWebhookReceiver;
  /** The `details.fix` of `RAW_BODY_UNAVAILABLE` when something read the body first. */
  fix: string;
  /** The adapter's `ctx` values. */
  context(req: Request, res: Response): WebhookContextExtensions;
}

/**
 * The middleware on its own, for adapters built on Express (the NestJS module on
 * platform-express): the same rule for where the raw body is, with their own `fix` text and
 * `ctx` values. Applications use {@link armaloWebhooks}.
 *
 * @example
 * ```ts
 * import { webhookHandler } from '@armalo-webhooks/express';
 *
 * app.all('/webhooks/armalo', webhookHandler({
 *   receiver: webhooks,
 *   fix: 'Register body parsers after MyFramework.mount()',
 *   context: (req) => ({ myFramework: { req } }),
 * }));
 * ```
 */
export function webhookHandler({ receiver, fix, context }: WebhookHandlerOptions): RequestHandler {
  return (req, res, next) => {
    const bytes = capturedRawBody(req);
    handleExchange(receiver, {
      method: req.method,
      headers: req.headers,
      body: bytes === undefined ? { kind: 'node', stream: req, fix } : { kind: 'bytes', bytes },
      context: context(req, res),
    }).then((result) => writeNodeResult(res, result), next);
  };
}
