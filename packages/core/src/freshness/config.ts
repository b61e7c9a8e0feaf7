import type { WebhookEvent } from '../events/event-types.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { Inbox } from '../inbox/types.js';

/** The `freshness` option, checked: the key function of each guarded event name. */
export interface FreshnessConfig {
  keys: ReadonlyMap<string, (event: WebhookEvent) => string>;
}

const STORES = 'createMemoryStore() (the default), createRedisStore() or createPostgresStore()';
const INBOXES = 'createMemoryInbox(), createPgBossInbox() (PostgreSQL or PGlite) or createBullMQInbox()';

/**
 * Checks the `freshness` option at startup against where the watermarks would live: the
 * idempotency store inline, the inbox engine with an inbox. A store or engine without the
 * capability is a startup error naming the ones that have it, never a silent no-op; so is
 * `idempotency: false` without an inbox, since the watermark is kept beside the delivery keys
 * (and a guard without deduplication would run a re-sent newest delivery again).
 */
export function freshnessConfig(
  option: unknown,
  where: { store: IdempotencyStore | undefined; inbox: Inbox | undefined; idempotencyOff: boolean },
): FreshnessConfig | undefined {
  if (option === undefined) return undefined;
  if (option === null || typeof option !== 'object' || Array.isArray(option)) {
    throw new TypeError(
      "armalo-webhooks: freshness must be an object of event name → key function, for example { 'score.changed': (e) => e.data.agentId }",
    );
  }
  const keys = new Map<string, (event: WebhookEvent) => string>();
  for (const [name, key] of Object.entries(option)) {
    if (typeof key !== 'function') {
      throw new TypeError(
        `armalo-webhooks: freshness[${JSON.stringify(name)}] must be a function of the event that returns its key`,
      );
    }
    keys.set(name, key as (event: WebhookEvent) => string);
  }
  if (keys.size === 0) return undefined;
  if (where.inbox !== undefined) {
    if (where.inbox.freshness === undefined) {
      throw new TypeError(
        `armalo-webhooks: freshness needs an inbox that keeps watermarks; the ${where.inbox.kind} inbox does not. Use ${INBOXES}.`,
      );
    }
  } else if (where.idempotencyOff) {
    throw new TypeError(
      `armalo-webhooks: freshness keeps its watermarks in the idempotency store, so it needs idempotency on (remove idempotency: false; use ${STORES})`,
    );
  } else if (where.store?.freshness === undefined) {
    throw new TypeError(
      `armalo-webhooks: freshness needs an idempotency store that keeps watermarks, and this one does not. Use ${STORES}.`,
    );
  }
  return { keys };
}
