import type { WebhookReceiverCore, WebhookResult } from '@armalo-webhooks/core';
import { handleNodeRequest, writeNodeResult } from '@armalo-webhooks/core/node';
import type { Request, RequestHandler, Response } from 'express';
import { expressContext } from './context.js';
import { capturedRawBody, rawBodyUnavailableMessage, streamConsumed } from './raw-body.js';

/**
 * Options for {@link armaloWebhooks}.
 *
 * @example
 * ```ts
 * const options: ArmaloWebhooksOptions = {
 *   onResult: (result, req) => log.info({ status: result.status, event: result.meta.event, path: req.path }),
 * };
 * ```
 */
export interface ArmaloWebhooksOptions {
  /**
   * Called after the answer was written, with what core returned (including `meta`: event name,
   * secret index, duplicate), for logs and metrics. Not called when the client went away before
   * its body arrived, since nothing was answered. A throw is passed to `next(error)`.
   */
  onResult?: (result: WebhookResult, req: Request) => void;
}

/**
 * Express 4 and 5 middleware for one receiver. It reads the raw body itself (or takes it from
 * `express.raw()` or the {@link verify} helper), calls `receive()`, and writes the status,
 * headers and JSON body core returned. It never calls `next()` except with an unexpected error.
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
export function armaloWebhooks(receiver: WebhookReceiverCore, options: ArmaloWebhooksOptions = {}): RequestHandler {
  const { onResult } = options;

  async function handle(req: Request, res: Response): Promise<void> {
    const rawBody = capturedRawBody(req);
    let result: WebhookResult | undefined;
    if (rawBody === undefined && streamConsumed(req)) {
      // Checks that need no body still come first: a gzip or text/plain request answers 415.
      result =
        receiver.checkRequest({ method: req.method, headers: req.headers }) ??
        receiver.errorResult('RAW_BODY_UNAVAILABLE', { message: rawBodyUnavailableMessage(req) });
      writeNodeResult(res, result);
    } else {
      const context = expressContext(req, res);
      // With bytes in hand receive() still runs every header check (a body express.raw() inflated
      // from gzip answers 415); without, handleNodeRequest checks first, then reads within limits.
      result = await handleNodeRequest(receiver, req, res, rawBody === undefined ? { context } : { rawBody, context });
    }
    if (result !== undefined) onResult?.(result, req);
  }

  return (req, res, next) => {
    handle(req, res).catch(next);
  };
}
