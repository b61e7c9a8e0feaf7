export type { ExpressContext, ExpressResponseView } from './context.js';
export { armaloWebhooks, type WebhookHandlerOptions, webhookHandler } from './middleware.js';
export { verify } from './raw-body.js';
