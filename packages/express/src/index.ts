export type { ExpressContext, ExpressResponseView } from './context.js';
export { type ArmaloWebhooksOptions, armaloWebhooks } from './middleware.js';
export { verify } from './raw-body.js';
