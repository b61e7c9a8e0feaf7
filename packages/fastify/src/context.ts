import type {} from '@armalo-webhooks/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The reply as handlers see it: read-only. The answer is core's, written by the plugin after every
 * handler has finished, so a handler can never acknowledge a delivery that then fails.
 *
 * @example
 * ```ts
 * webhooks.onAny((event, ctx) => ctx.fastify?.reply.getHeader('x-request-id'));
 * ```
 */
export type FastifyReplyView = Pick<FastifyReply, 'getHeader' | 'getHeaders' | 'hasHeader'>;

/**
 * What `ctx.fastify` holds in handlers when the delivery came through `@armalo-webhooks/fastify`.
 *
 * @example
 * ```ts
 * webhooks.on('eval.completed', (event, ctx) => {
 *   ctx.fastify?.request.log.info({ evalId: event.data.evalId, reqId: ctx.fastify.request.id }, 'eval completed');
 * });
 * ```
 */
export interface FastifyContext {
  /** The Fastify request: headers, `id`, `log`, and whatever hooks and decorators put on it. */
  readonly request: FastifyRequest;
  readonly reply: FastifyReplyView;
}

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set when the delivery came through `@armalo-webhooks/fastify`; `undefined` through other adapters. */
    fastify?: FastifyContext;
  }
}

// Methods on the prototype: a view per delivery costs one object, and the reply stays out of reach.
class ReplyView implements FastifyReplyView {
  readonly #reply: FastifyReply;
  constructor(reply: FastifyReply) {
    this.#reply = reply;
  }
  getHeader(name: string) {
    return this.#reply.getHeader(name);
  }
  getHeaders() {
    return this.#reply.getHeaders();
  }
  hasHeader(name: string) {
    return this.#reply.hasHeader(name);
  }
}

/** The plugin's `ctx` values: `ctx.fastify`. */
export function fastifyContext(request: FastifyRequest, reply: FastifyReply): { fastify: FastifyContext } {
  return { fastify: { request, reply: new ReplyView(reply) } };
}
