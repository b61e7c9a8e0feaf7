import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { webhookHandler } from '@armalo-webhooks/express';
import { webhookRoute } from '@armalo-webhooks/fastify';
import type { Express, Request as ExpressRequest } from 'express';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The route runs before Nest's parsers; only a parser on an Express app handed to Nest can come first. */
const EXPRESS_FIX =
  'A body parser on the Express instance passed to new ExpressAdapter(app) read the body first: register parsers on it after NestFactory.create(), or keep the bytes with a verify callback that sets req.rawBody to the Buffer.';

/**
 * On platform-express: the Express adapter's own handler, so the rule for where the bytes are is
 * the Express adapter's (the unread stream, or what `express.raw()`, its `verify` helper or
 * `req.rawBody` kept).
 */
export function mountExpress(app: Express, path: string, receiver: AnyWebhookReceiver): void {
  const context = (request: ExpressRequest) => ({ nest: { platform: 'express', request } }) as const;
  app.all(path, webhookHandler({ receiver, fix: EXPRESS_FIX, context }));
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
