import { type AnyWebhookReceiver, type ExchangeBody, handleExchange } from '@armalo-webhooks/core/adapter';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { fastifyContext } from './context.js';
import type { ArmaloWebhooksPluginOptions } from './options.js';

const FIX =
  'Keep preParsing hooks and plugins that read or replace the body (request.body, the payload stream) off the webhook route: it needs the unread request.';
const EMPTY = new Uint8Array(0);

/** The request stream, handed from the route's content-type parser to its handler unread. */
class UnreadBody {
  constructor(readonly stream: NodeJS.ReadableStream) {}
}

/** Where the route's bytes are: the stream its parser passed on, none, or something a hook put there. */
function bodyOf(request: FastifyRequest): ExchangeBody {
  if (request.body instanceof UnreadBody) return { kind: 'node', stream: request.body.stream, fix: FIX };
  return request.body === undefined ? { kind: 'bytes', bytes: EMPTY } : { kind: 'consumed', fix: FIX };
}

async function answer(receiver: AnyWebhookReceiver, request: FastifyRequest, reply: FastifyReply, body: ExchangeBody) {
  const context = { fastify: fastifyContext(request, reply) };
  const result = await handleExchange(receiver, { method: request.method, headers: request.headers, body, context });
  return reply.code(result.status).headers(result.headers).send(JSON.stringify(result.body));
}

/** One registration's encapsulated context: the pass-through parser and the route, nothing else. */
function webhookScope(receiver: AnyWebhookReceiver, path: string): FastifyPluginAsync {
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
        return answer(receiver, request, reply, { kind: 'node', stream: request.raw, fix: FIX });
      },
      handler: (request, reply) => answer(receiver, request, reply, bodyOf(request)),
    });
  };
}

const plugin: FastifyPluginAsync<ArmaloWebhooksPluginOptions> = async (fastify, { receiver, path, prefix = '' }) => {
  if (typeof receiver?.receive !== 'function') {
    throw new TypeError('armalo-webhooks: the `receiver` option must be a receiver from createWebhookReceiver()');
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`armalo-webhooks: the \`path\` option must be a string starting with "/", got ${String(path)}`);
  }
  const url = `${fastify.prefix}${prefix}${path}`;
  if (!fastify.hasDecorator('armaloWebhooks')) fastify.decorate('armaloWebhooks', new Map());
  const receivers = fastify.armaloWebhooks as Map<string, AnyWebhookReceiver>;
  if (receivers.has(url) || fastify.hasRoute({ method: 'POST', url })) {
    throw new Error(`armalo-webhooks: POST ${url} is already registered; give each receiver its own path`);
  }
  receivers.set(url, receiver);
  // fastify-plugin lifts this plugin into the caller's context (for the decorator); the nested
  // register is encapsulated, so the parser serves the webhook route only.
  await fastify.register(webhookScope(receiver, path), { prefix });
};

/**
 * Mounts a receiver on a Fastify 5 app: `POST path` verifies and dispatches deliveries, every other
 * method on the path answers 405 with `Allow: POST`. The raw-body parser applies to that route only;
 * the rest of the app keeps Fastify's JSON parsing. Register once per receiver, each at its own path.
 *
 * @example
 * ```ts
 * import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
 *
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * webhooks.on('score.changed', async (event, ctx) => {
 *   ctx.fastify?.request.log.info({ score: event.data.compositeScore }, 'score changed');
 * });
 * await app.register(armaloWebhooksPlugin, { receiver: webhooks, path: '/webhooks/armalo' });
 * ```
 */
export const armaloWebhooksPlugin = fp(plugin, { fastify: '5.x', name: '@armalo-webhooks/fastify' });
