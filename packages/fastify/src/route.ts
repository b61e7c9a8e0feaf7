import type { WebhookContextExtensions } from '@armalo-webhooks/core';
import { type AnyWebhookReceiver, type ExchangeBody, handleExchange } from '@armalo-webhooks/core/adapter';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Options for {@link webhookRoute}.
 *
 * @example
 * ```ts
 * const options: WebhookRouteOptions = {
 *   receiver: webhooks,
 *   path: '/webhooks/armalo',
 *   fix: 'Keep body-reading hooks off the webhook route',
 *   context: (request) => ({ myHost: { request } }),
 * };
 * ```
 */
export interface WebhookRouteOptions {
  receiver: AnyWebhookReceiver;
  path: string;
  /** What `details.fix` says when something read the body before the route. */
  fix: string;
  /** The adapter's values for the handlers' `ctx`. */
  context(request: FastifyRequest, reply: FastifyReply): WebhookContextExtensions;
}

/** The request stream, handed from the route's content-type parser to its handler unread. */
class UnreadBody {
  constructor(readonly stream: NodeJS.ReadableStream) {}
}

const EMPTY = new Uint8Array(0);

/**
 * The webhook route as an encapsulated Fastify plugin: a content-type parser that passes every
 * body (and none) on unread, and one route for every method, answered by core's exchange. For
 * adapters built on Fastify (`armaloWebhooksPlugin`, the NestJS module on platform-fastify);
 * applications register `armaloWebhooksPlugin`.
 *
 * @example
 * ```ts
 * import { webhookRoute } from '@armalo-webhooks/fastify';
 * await app.register(webhookRoute({ receiver: webhooks, path: '/webhooks/armalo', fix: '…', context: () => ({}) }));
 * ```
 */
export function webhookRoute({ receiver, path, fix, context }: WebhookRouteOptions): FastifyPluginAsync {
  async function answer(request: FastifyRequest, reply: FastifyReply, body: ExchangeBody) {
    const exchange = { method: request.method, headers: request.headers, body, context: context(request, reply) };
    const result = await handleExchange(receiver, exchange);
    return reply.code(result.status).headers(result.headers).send(JSON.stringify(result.body));
  }
  return async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, new UnreadBody(payload)));
    scope.route({
      method: scope.supportedMethods,
      url: path,
      // Fastify refuses a Content-Type it cannot parse before any parser runs; core's rule decides.
      errorHandler(error, request, reply) {
        if (error.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error;
        return answer(request, reply, { kind: 'node', stream: request.raw, fix });
      },
      handler: (request, reply) => answer(request, reply, bodyOf(request.body, fix)),
    });
  };
}

// Where the bytes are: the stream the route's parser passed on, none, or what a hook put there.
function bodyOf(body: unknown, fix: string): ExchangeBody {
  if (body instanceof UnreadBody) return { kind: 'node', stream: body.stream, fix };
  return body === undefined ? { kind: 'bytes', bytes: EMPTY } : { kind: 'consumed', fix };
}
