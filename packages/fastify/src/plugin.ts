import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { fastifyContext } from './context.js';
import type { ArmaloWebhooksPluginOptions } from './options.js';
import { webhookRoute } from './route.js';

const FIX =
  'Keep preParsing hooks and plugins that read or replace the body (request.body, the payload stream) off the webhook route: it needs the unread request.';

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
  const route = webhookRoute({
    receiver,
    path,
    fix: FIX,
    context: (request, reply) => ({ fastify: fastifyContext(request, reply) }),
  });
  await fastify.register(route, { prefix });
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
