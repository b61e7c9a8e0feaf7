export type { FastifyContext, FastifyReplyView } from './context.js';
export type { ArmaloWebhooksPluginOptions } from './options.js';
export { armaloWebhooksPlugin } from './plugin.js';
export { type WebhookRouteOptions, webhookRoute } from './route.js';
