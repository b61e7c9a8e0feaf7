import backend from '#crypto';
import { WebhookError } from '../errors.js';
import type { WebhookEvent } from '../events/event-types.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { KeyConfig } from '../receiver/config.js';

/** What a key is made from: a verified delivery. `tag` identifies its bytes under the secret that verified them. */
export interface KeySource {
  event: WebhookEvent;
  bytes: Uint8Array;
  secretIndex: number;
  tag: string;
}

/**
 * The stored key: `<scope>:<key>`. Unless `idempotency.key` says otherwise, the key identifies the
 * bytes: under the default scope (one per secret) the verified signature's tag, which is free;
 * under a fixed `idempotency.scope`, shared by all secrets, a SHA-256 of the bytes, which is the
 * same whichever secret signed them. A failing key function is an `INTERNAL_ERROR`.
 */
export function deliveryKey(keying: KeyConfig, delivery: KeySource): MaybePromise<string | WebhookError> {
  try {
    const key = keying.key
      ? keying.key(delivery.event, delivery.bytes)
      : keying.fixedScope
        ? backend.sha256Hex(delivery.bytes)
        : delivery.tag;
    const scope = keying.scopes[delivery.secretIndex] as MaybePromise<string>;
    if (typeof key === 'string' && typeof scope === 'string') return scoped(scope, key);
    return Promise.all([scope, key]).then(([s, k]) => scoped(s, k), keyFailure);
  } catch (cause) {
    return keyFailure(cause);
  }
}

function scoped(scope: string, key: unknown): string | WebhookError {
  if (typeof key !== 'string' || key === '')
    return keyFailure(new TypeError('idempotency.key must return a non-empty string'));
  return `${scope}:${key}`;
}

/** A bug in the user's key function, not a store outage: 500, so the sender retries. */
function keyFailure(cause: unknown): WebhookError {
  return new WebhookError('INTERNAL_ERROR', { cause });
}
