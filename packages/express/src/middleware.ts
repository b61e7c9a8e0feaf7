import { type AnyWebhookReceiver, handleExchange, writeNodeResult } from '@armalo-webhooks/core/adapter';
import type { RequestHandler } from 'express';
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
  return (req, res, next) => {
    const bytes = capturedRawBody(req);
    handleExchange(receiver, {
      method: req.method,
      headers: req.headers,
      body: bytes === undefined ? { kind: 'node', stream: req, fix: FIX } : { kind: 'bytes', bytes },
      context: expressContext(req, res),
    }).then((result) => writeNodeResult(res, result), next);
  };
}
