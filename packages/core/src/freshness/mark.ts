import { WebhookError } from '../errors.js';
import type { WebhookEvent } from '../events/event-types.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { KeyConfig } from '../receiver/config.js';
import type { FreshnessConfig } from './config.js';
import type { FreshnessMark } from './types.js';

/** A delivery's freshness key, yours and as stored. */
export interface Guarded {
  /** As the `freshness` function returned it. */
  key: string;
  mark: FreshnessMark;
}

/**
 * The freshness key of a delivery, or `undefined` when its event is not guarded. The stored key is
 * scoped like delivery keys, with the scope of the receiver's first secret (or its fixed
 * `idempotency.scope`): deliveries signed by the previous secret during a rotation share the same
 * watermarks. Used inline (dispatch) and by the inbox worker (process-job): one rule for both.
 * A failing or empty key function is an `INTERNAL_ERROR` (500 inline, a retried attempt in a worker).
 */
export function freshnessOf(
  freshness: FreshnessConfig | undefined,
  keying: KeyConfig,
  event: WebhookEvent,
  timestampMs: number,
): MaybePromise<Guarded | undefined | WebhookError> {
  const keyOf = freshness?.keys.get(event.event);
  if (keyOf === undefined) return undefined;
  let key: unknown;
  try {
    key = keyOf(event);
  } catch (cause) {
    return new WebhookError('INTERNAL_ERROR', { cause });
  }
  if (typeof key !== 'string' || key === '') {
    return new WebhookError('INTERNAL_ERROR', {
      cause: new TypeError(`freshness[${JSON.stringify(event.event)}] must return a non-empty string`),
    });
  }
  const scope = keying.scopes[0] as string | Promise<string>;
  const guarded = (s: string): Guarded => ({ key, mark: { key: `${s}:${key}`, timestampMs } });
  return typeof scope === 'string' ? guarded(scope) : scope.then(guarded);
}
