export type { ReceiverSource } from './receiver-source.js';
export { createRouteHandler, type RouteHandler, type RouteHandlers } from './route-handler.js';
