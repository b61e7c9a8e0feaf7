import {
  type AnyWebhookReceiver,
  type ExchangeBody,
  handleExchange,
  writeNodeResult,
} from '@armalo-webhooks/core/adapter';
import { webhookRoute } from '@armalo-webhooks/fastify';
import type { Express } from 'express';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The route runs before Nest's parsers; only a parser on an Express app handed to Nest can come first. */
const EXPRESS_FIX =
  'A body parser on the Express instance passed to new ExpressAdapter(app) read the body first: register parsers on it after NestFactory.create(), or keep the bytes with a verify callback that sets req.rawBody to the Buffer.';

/** On platform-express: the unread stream, or a Buffer an earlier parser kept at `req.rawBody`. */
export function mountExpress(app: Express, path: string, receiver: AnyWebhookReceiver): void {
  app.all(path, (req, res, next) => {
    const { rawBody } = req as { rawBody?: unknown };
    const body: ExchangeBody =
      rawBody instanceof Uint8Array
        ? { kind: 'bytes', bytes: rawBody }
        : { kind: 'node', stream: req, fix: EXPRESS_FIX };
    const context = { nest: { platform: 'express', request: req } } as const;
    handleExchange(receiver, { method: req.method, headers: req.headers, body, context })
      .then((result) => writeNodeResult(res, result))
      .catch(next);
  });
}

const FASTIFY_FIX = 'Keep preParsing hooks and plugins that read or replace the body off the webhook route.';

/**
 * On platform-fastify: the Fastify adapter's own webhook route, in its own encapsulated context,
 * whose only content-type parser passes the stream on unread.
 */
export function mountFastify(app: FastifyInstance, path: string, receiver: AnyWebhookReceiver): void {
  const context = (request: FastifyRequest) => ({ nest: { platform: 'fastify', request } }) as const;
  app.register(webhookRoute({ receiver, path, fix: FASTIFY_FIX, context }));
}
