import {
  type AnyWebhookReceiver,
  type ExchangeBody,
  handleExchange,
  writeNodeResult,
} from '@armalo-webhooks/core/adapter';
import type { Express } from 'express';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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

/** The request stream, handed from the scope's content-type parser to the route unread. */
class UnreadBody {
  constructor(readonly stream: NodeJS.ReadableStream) {}
}

const FASTIFY_FIX = 'Keep preParsing hooks and plugins that read or replace the body off the webhook route.';

/**
 * On platform-fastify: the route in its own encapsulated context, whose only content-type parser
 * passes the stream on unread, so every content type (and none) reaches core as sent.
 */
export function mountFastify(app: FastifyInstance, path: string, receiver: AnyWebhookReceiver): void {
  const answer = async (request: FastifyRequest, reply: FastifyReply, body: ExchangeBody) => {
    const context = { nest: { platform: 'fastify', request } } as const;
    const result = await handleExchange(receiver, { method: request.method, headers: request.headers, body, context });
    return reply.code(result.status).headers(result.headers).send(JSON.stringify(result.body));
  };
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, new UnreadBody(payload)));
    scope.route({
      method: scope.supportedMethods,
      url: path,
      handler: (request, reply) => {
        const { body } = request;
        if (body instanceof UnreadBody)
          return answer(request, reply, { kind: 'node', stream: body.stream, fix: FASTIFY_FIX });
        return answer(
          request,
          reply,
          body === undefined ? { kind: 'bytes', bytes: new Uint8Array(0) } : { kind: 'consumed', fix: FASTIFY_FIX },
        );
      },
      // Fastify refuses a Content-Type it cannot parse before any parser runs; core's rule decides.
      errorHandler(error: FastifyError, request, reply) {
        if (error.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error;
        return answer(request, reply, { kind: 'node', stream: request.raw, fix: FASTIFY_FIX });
      },
    });
  });
}
