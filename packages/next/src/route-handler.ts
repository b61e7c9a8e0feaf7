import type {} from '@armalo-webhooks/core';
import { handleExchange, toResponse } from '@armalo-webhooks/core/adapter';
import { type ReceiverSource, resolveReceiver } from './receiver-source.js';

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set by `@armalo-webhooks/next` route handlers (App Router): the incoming `Request`. */
    next?: { request: Request };
  }
}

const FIX =
  'Export the handler from createRouteHandler() as the route itself (export const { POST } = createRouteHandler(...)), and read nothing from the Request before it: no request.json(), request.text() or middleware that consumes the body.';

/**
 * One App Router route handler: `(request) => Promise<Response>`.
 *
 * @example
 * ```ts
 * const POST: RouteHandler = createRouteHandler(webhooks).POST;
 * ```
 */
export type RouteHandler = (request: Request) => Promise<Response>;

/**
 * The handlers {@link createRouteHandler} returns, one per HTTP method Next.js routes. `POST`
 * receives deliveries; every other method answers the library's JSON 405 with `Allow: POST`.
 *
 * @example
 * ```ts
 * export const { POST }: RouteHandlers = createRouteHandler(webhooks);
 * ```
 */
export interface RouteHandlers {
  POST: RouteHandler;
  GET: RouteHandler;
  HEAD: RouteHandler;
  PUT: RouteHandler;
  PATCH: RouteHandler;
  DELETE: RouteHandler;
  OPTIONS: RouteHandler;
}

/**
 * Route handlers for an App Router `route.ts`, on the Node.js and the Edge runtime alike. The body
 * is read from the `Request` stream with the receiver's size limit enforced while reading (413
 * past it), then verified and dispatched by the receiver.
 *
 * Export only `POST` and Next.js answers other methods with its own empty 405; export the others
 * too and they answer the library's JSON 405 with `Allow: POST`, like every other adapter.
 *
 * @example
 * ```ts
 * // app/api/webhooks/armalo/route.ts
 * import { createRouteHandler } from '@armalo-webhooks/next';
 * import { createWebhooks } from '@/lib/webhooks';
 *
 * export const { POST } = createRouteHandler(createWebhooks);
 * ```
 */
export function createRouteHandler(receiver: ReceiverSource): RouteHandlers {
  const getReceiver = resolveReceiver(receiver);
  const handle: RouteHandler = async (request) => {
    const body = { kind: 'web', request, fix: FIX } as const;
    const context = { next: { request } };
    return toResponse(
      await handleExchange(getReceiver(), { method: request.method, headers: request.headers, body, context }),
    );
  };
  return { POST: handle, GET: handle, HEAD: handle, PUT: handle, PATCH: handle, DELETE: handle, OPTIONS: handle };
}
