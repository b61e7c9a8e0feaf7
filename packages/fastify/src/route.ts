import type { WebhookContextExtensions } from '@armalo-webhooks/core';
import { type AnyWebhookReceiver, type ExchangeBody, handleExchange } from '@armalo-webhooks/core/adapter';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

const EMPTY = new Uint8Array(0);

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
export function webhookRoute(options: WebhookRouteOptions): FastifyPluginAsync {
  const { receiver, path, fix } = options;
  const answer = async (request: FastifyRequest, reply: FastifyReply, body: ExchangeBody) => {
    const context = options.context(request, reply);
    const result = await handleExchange(receiver, { method: request.method, headers: request.headers, body, context });
    return reply.code(result.status).headers(result.headers).send(JSON.stringify(result.body));
  };
  // Where the route's bytes are: the stream its parser passed on, none, or something a hook put there.
  const bodyOf = (request: FastifyRequest): ExchangeBody => {
    if (request.body instanceof UnreadBody) return { kind: 'node', stream: request.body.stream, fix };
    return request.body === undefined ? { kind: 'bytes', bytes: EMPTY } : { kind: 'consumed', fix };
  };
  return async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every content type (and none) reaches core unread; core reads it within its limits.
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, new UnreadBody(payload)));
    scope.route({
      method: scope.supportedMethods,
      url: path,
      // Fastify refuses a Content-Type it cannot parse before any parser runs; core's rule decides.
      errorHandler(error: FastifyError, request, reply) {
        if (error.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error;
        return answer(request, reply, { kind: 'node', stream: request.raw, fix });
      },
      handler: (request, reply) => answer(request, reply, bodyOf(request)),
    });
  };
}
