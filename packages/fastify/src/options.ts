import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';

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
