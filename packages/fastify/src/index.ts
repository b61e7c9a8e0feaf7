export type { FastifyContext, FastifyReplyView } from './context.js';
export { type ArmaloWebhooksPluginOptions, armaloWebhooksPlugin } from './plugin.js';
export { type WebhookRouteOptions, webhookRoute } from './route.js';
