export type { ReceiverSource } from '../receiver-source.js';
export { type ApiHandler, createApiHandler } from './api-handler.js';
