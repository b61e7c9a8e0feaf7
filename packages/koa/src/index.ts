export { armaloWebhooks } from './middleware.js';
