import type { InboxEntry, StoredDelivery } from '../inbox/types.js';

/**
 * The delivery a replay stores: the same bytes and delivery id (so handlers see the same
 * `ctx.deliveryId`), marked with the job it replays. An engine stores it as a new job that is
 * never deduplicated against the original, so it runs again even when the original completed, as
 * attempt 1, and observers see `replayOf`.
 *
 * @example
 * ```ts
 * import { replayDelivery } from '@armalo-webhooks/core/engine-kit';
 * const entry = await inbox.get(id);
 * if (entry) await queue.add(entry.event, replayDelivery(entry), { jobId: newJobId() });
 * ```
 */
export function replayDelivery(entry: InboxEntry): StoredDelivery {
  const { replayOf: _previous, ...delivery } = entry.delivery;
  return { ...delivery, replayOf: entry.id };
}
