/**
 * For adapter authors: the one entry a host adapter calls. An adapter says where the request's
 * bytes are and how to write the answer; core makes every decision (status, headers, body).
 * Application code does not need anything from here.
 */
export type { Exchange, ExchangeBody, NodeBodyStream } from '../exchange/types.js';
export { type AnyWebhookReceiver, handleExchange } from './handle-exchange.js';
export { toResponse, writeNodeResult } from './write.js';
