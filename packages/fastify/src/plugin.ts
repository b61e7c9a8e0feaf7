import type { IncomingMessage } from 'node:http';
import type { WebhookReceiverCore, WebhookResult } from '@armalo-webhooks/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { fastifyContext } from './context.js';
import type { ArmaloWebhooksPluginOptions } from './options.js';
import { rawBodyOf, readWebhookBody } from './read-body.js';

function send(reply: FastifyReply, result: WebhookResult): FastifyReply {
  return reply.code(result.status).headers(result.headers).send(JSON.stringify(result.body));
}

/** One registration's encapsulated context: the raw-body parser and the route, nothing else. */
function webhookScope(receiver: WebhookReceiverCore, path: string): FastifyPluginAsync {
  return async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every content type (and none) reaches core, which answers 415 in its own shape.
    // The checks that need no body (405, 415, a declared 413) run here, before a byte is read; a
    // request without a body never reaches a parser, and receive() makes the same checks for it.
    scope.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) =>
      readWebhookBody(receiver, payload, request),
    );
    scope.route({
      method: scope.supportedMethods,
      url: path,
      bodyLimit: receiver.maxBodyBytes,
      // Fastify refuses a few media types core accepts (a +json subtype with characters outside a token).
      errorHandler(error: FastifyError, _request, reply) {
        if (error.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error;
        return send(reply, receiver.errorResult('UNSUPPORTED_MEDIA_TYPE'));
      },
      async handler(request, reply) {
        const body = rawBodyOf(receiver, request.body);
        if (!Buffer.isBuffer(body)) return send(reply, body);
        const result = await receiver.receive({
          rawBody: body,
          headers: request.headers,
          method: request.method,
          context: { fastify: fastifyContext(request, reply) },
        });
        if (result.meta.error !== undefined) {
          const code = 'code' in result.body ? result.body.code : undefined;
          request.log.error(
            { err: result.meta.error, code, event: result.meta.event },
            'armalo-webhooks: delivery failed',
          );
        }
        return send(reply, result);
      },
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
  const receivers = fastify.armaloWebhooks as Map<string, WebhookReceiverCore>;
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
