export { armaloWebhooks } from './handler.js';
