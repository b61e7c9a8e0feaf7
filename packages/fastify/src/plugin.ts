import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { fastifyContext } from './context.js';
import { webhookRoute } from './route.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Receivers mounted with `armaloWebhooksPlugin`, by full route path (prefix included). */
    readonly armaloWebhooks: ReadonlyMap<string, AnyWebhookReceiver>;
  }
}

/**
 * Options for {@link armaloWebhooksPlugin}.
 *
 * @example
 * ```ts
 * const options: ArmaloWebhooksPluginOptions = { receiver: webhooks, path: '/webhooks/armalo' };
 * ```
 */
export interface ArmaloWebhooksPluginOptions {
  /** The receiver from `createWebhookReceiver()`: one per webhook secret (per Armalo account). */
  receiver: AnyWebhookReceiver;
  /** The route path, starting with `/`. Each registration needs its own. */
  path: string;
  /** Put before `path`, as Fastify's own `register` option (which fastify-plugin alone would ignore). */
  prefix?: string;
}

const FIX =
  'Keep preParsing hooks and plugins that read or replace the body (request.body, the payload stream) off the webhook route: it needs the unread request.';

const plugin: FastifyPluginAsync<ArmaloWebhooksPluginOptions> = async (fastify, { receiver, path, prefix = '' }) => {
  const url = `${fastify.prefix}${prefix}${path}`;
  if (!fastify.hasDecorator('armaloWebhooks')) fastify.decorate('armaloWebhooks', new Map());
  const receivers = fastify.armaloWebhooks as Map<string, AnyWebhookReceiver>;
  // Before Fastify's own duplicate-route error: a second registration that was not awaited has no
  // route yet, and would replace the first one's receiver in the map.
  if (receivers.has(url) || fastify.hasRoute({ method: 'POST', url })) {
    throw new Error(`armalo-webhooks: POST ${url} is already registered; give each receiver its own path`);
  }
  receivers.set(url, receiver);
  // fastify-plugin lifts this plugin into the caller's context (for the decorator); the route is
  // registered encapsulated, so its parser serves the webhook route only.
  await fastify.register(webhookRoute({ receiver, path, fix: FIX, context: fastifyContext }), { prefix });
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
