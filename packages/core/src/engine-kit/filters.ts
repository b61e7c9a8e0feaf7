import type { InboxEntry, InboxFilter, RedriveFilter } from '../inbox/types.js';

/** How many entries `list()` answers when the filter names no `limit`. */
export const DEFAULT_LIST_LIMIT = 100;

/**
 * Whether an entry passes a `list()` filter: its state, event and enqueue time. Engines that can
 * filter in the engine do so first and use this for what is left.
 *
 * @example
 * ```ts
 * import { matchesFilter } from '@armalo-webhooks/core/engine-kit';
 * const dead = entries.filter((entry) => matchesFilter(entry, { state: 'dead', event: 'score.changed' }));
 * ```
 */
export function matchesFilter(entry: InboxEntry, filter: InboxFilter): boolean {
  return (
    (filter.state === undefined || entry.state === filter.state) &&
    (filter.event === undefined || entry.event === filter.event) &&
    (filter.since === undefined || entry.enqueuedAt >= filter.since)
  );
}

/**
 * What `list(filter)` answers from a set of entries: those that match, oldest first, at most
 * `filter.limit` (default 100).
 *
 * @example
 * ```ts
 * import { selectEntries } from '@armalo-webhooks/core/engine-kit';
 * return selectEntries([...waiting, ...dead], filter);
 * ```
 */
export function selectEntries<E extends InboxEntry>(entries: Iterable<E>, filter: InboxFilter = {}): E[] {
  const limit = listLimit(filter);
  const found = [...entries].filter((entry) => matchesFilter(entry, filter));
  // Array#sort is stable: entries enqueued at the same millisecond keep the engine's order.
  found.sort((a, b) => a.enqueuedAt.getTime() - b.enqueuedAt.getTime());
  return found.slice(0, limit);
}

/**
 * Whether a dead letter is one `redrive(filter)` moves: by event, enqueue time, and `ids`, which
 * may name an entry by its job id or by its delivery id (the id the worker's log lines print).
 *
 * @example
 * ```ts
 * import { matchesRedrive } from '@armalo-webhooks/core/engine-kit';
 * const moving = deadLetters.filter((entry) => matchesRedrive(entry, filter));
 * ```
 */
export function matchesRedrive(entry: InboxEntry, filter: RedriveFilter = {}): boolean {
  return (
    entry.state === 'dead' &&
    (filter.event === undefined || entry.event === filter.event) &&
    (filter.since === undefined || entry.enqueuedAt >= filter.since) &&
    (filter.ids === undefined || filter.ids.includes(entry.id) || filter.ids.includes(entry.deliveryId))
  );
}

/** A filter's `limit`, checked: a positive integer, default {@link DEFAULT_LIST_LIMIT}. */
export function listLimit(filter: InboxFilter = {}): number {
  const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`armalo-webhooks: an inbox list limit must be a positive integer, got ${String(limit)}`);
  }
  return limit;
}
