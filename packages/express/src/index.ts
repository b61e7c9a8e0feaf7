export type { ExpressContext, ExpressResponseView } from './context.js';
export { armaloWebhooks } from './middleware.js';
export { verify } from './raw-body.js';
