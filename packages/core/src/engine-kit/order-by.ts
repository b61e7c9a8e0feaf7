import type { OrderBy } from '../inbox/types.js';

/**
 * Checks an engine's `orderBy` option at creation: a function, or absent.
 *
 * @example
 * ```ts
 * import { checkOrderBy } from '@armalo-webhooks/core/engine-kit';
 * const orderBy = checkOrderBy(options.orderBy, 'createMemoryInbox()');
 * ```
 */
export function checkOrderBy(orderBy: unknown, where: string): OrderBy | undefined {
  if (orderBy === undefined) return undefined;
  if (typeof orderBy !== 'function') {
    throw new TypeError(
      `armalo-webhooks: ${where}'s orderBy must be a function (event) => key | undefined, got ${typeof orderBy}`,
    );
  }
  return orderBy as OrderBy;
}
