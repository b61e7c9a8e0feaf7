import type {} from '@armalo-webhooks/core';
import type { Request, Response } from 'express';

/**
 * What handlers see of the Express response: read-only. The adapter writes the answer from what
 * `receive()` returned, so a handler cannot acknowledge a delivery that then fails, or fail one
 * that core then marks as done.
 *
 * @example
 * ```ts
 * webhooks.on('score.changed', (event, ctx) => {
 *   const requestId = ctx.express?.res.getHeader('x-request-id');
 * });
 * ```
 */
export interface ExpressResponseView {
  /** `res.locals`: what earlier middleware stored for this request (a logger, a request id, a user). */
  readonly locals: Response['locals'];
  /** A response header that earlier middleware set, such as a request id. */
  getHeader(name: string): number | string | string[] | undefined;
}

/**
 * `ctx.express`, present when a delivery came through `armaloWebhooks()`.
 *
 * @example
 * ```ts
 * webhooks.on('eval.completed', (event, ctx) => {
 *   ctx.express?.req.get('x-request-id');
 * });
 * ```
 */
export interface ExpressContext {
  /** The Express request, for headers, `req.ip`, ids and loggers set by earlier middleware. */
  readonly req: Request;
  /** A read-only view of the response; see {@link ExpressResponseView}. */
  readonly res: ExpressResponseView;
}

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set when the delivery came through `@armalo-webhooks/express`. */
    readonly express?: ExpressContext;
  }
}

/** Builds `ctx.express` for one request. */
export function expressContext(req: Request, res: Response): { express: ExpressContext } {
  return { express: { req, res: { locals: res.locals, getHeader: (name) => res.getHeader(name) } } };
}
