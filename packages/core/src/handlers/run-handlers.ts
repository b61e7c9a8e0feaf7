import type { WebhookContext, WebhookEvent } from '../events/event-types.js';
import { isThenable, type MaybePromise } from '../maybe-promise.js';

/** A handler as the router stores it. */
export type AnyHandler = (event: WebhookEvent, ctx: WebhookContext) => unknown;

/**
 * Runs handlers in registration order, inline or in the inbox worker, and returns the first
 * failure, if any; the first failure stops the run. Handlers that return a plain value are not
 * awaited: the run turns asynchronous only at the first handler that returns a promise.
 */
export function runHandlers(
  handlers: readonly AnyHandler[],
  event: WebhookEvent,
  ctx: WebhookContext,
): MaybePromise<unknown> {
  for (let index = 0; index < handlers.length; index++) {
    let returned: unknown;
    try {
      returned = (handlers[index] as AnyHandler)(event, ctx);
    } catch (error) {
      return failureOf(error);
    }
    if (isThenable(returned)) return finishAsync(returned, handlers.slice(index + 1), event, ctx);
  }
  return undefined;
}

async function finishAsync(
  pending: PromiseLike<unknown>,
  rest: readonly AnyHandler[],
  event: WebhookEvent,
  ctx: WebhookContext,
): Promise<unknown> {
  try {
    await pending;
    for (const handler of rest) await handler(event, ctx);
    return undefined;
  } catch (error) {
    return failureOf(error);
  }
}

/** A handler that throws `undefined` still failed. */
function failureOf(error: unknown): unknown {
  return error ?? new Error('handler threw undefined');
}
