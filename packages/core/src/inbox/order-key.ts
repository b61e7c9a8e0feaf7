import type { WebhookEvent } from '../events/event-types.js';
import type { OrderBy } from './types.js';

/**
 * The `orderKey` a delivery is stored with: what the inbox's `orderBy` answers for the event. A key
 * that is not a non-empty string is a bug in `orderBy`, thrown (the receiver answers 500 and stores
 * nothing), never a delivery silently left unordered.
 */
export function orderKeyOf(orderBy: OrderBy | undefined, event: WebhookEvent): string | undefined {
  if (orderBy === undefined) return undefined;
  const key: unknown = orderBy(event);
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(
      `armalo-webhooks: the inbox's orderBy answered ${key === '' ? 'an empty string' : typeof key} for ${event.event}; it must answer a non-empty string, or undefined for an unordered delivery`,
    );
  }
  return key;
}
