import { WebhookError } from '../errors.js';
import type { WebhookContextExtensions, WebhookEvent } from '../events/event-types.js';
import { claimFresh, settleFresh } from '../freshness/claim.js';
import { freshnessInfo } from '../freshness/info.js';
import { freshnessOf } from '../freshness/mark.js';
import type { FreshnessClaim, FreshnessInfo } from '../freshness/types.js';
import { createContext } from '../handlers/context.js';
import { type AnyHandler, runHandlers } from '../handlers/run-handlers.js';
import type { HeadersInput } from '../headers.js';
import { claimKey, retention, settleKey } from '../idempotency/claim.js';
import { deliveryKey } from '../idempotency/key.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { StoringObservation } from '../observe/observer.js';
import { report } from '../observe/report.js';
import type { ReceiverConfig } from '../receiver/config.js';
import { errorInfo, failed } from './fail.js';
import { acknowledged, type ResultMeta, refusal, type WebhookResult } from './result.js';

/** A verified, validated delivery, ready for its handlers or the inbox. */
export interface Delivery {
  event: WebhookEvent;
  handlers: readonly AnyHandler[];
  bytes: Uint8Array;
  secretIndex: number;
  /** Identifies the bytes under the secret that verified them (see `Verified.tag`). */
  tag: string;
  /** The signed timestamp, in milliseconds. */
  timestampMs: number;
  /** When the receiver started on it (wall clock). */
  now: number;
  headers: HeadersInput;
  /** The adapter's values for `ctx`. */
  extensions: WebhookContextExtensions | undefined;
  meta: ResultMeta;
  /** With observers and an inbox: tells them the delivery is about to be stored. */
  storing?: ((delivery: StoringObservation) => void) | undefined;
}

/** What inline delivery reads of the receiver's configuration. */
export type DispatchConfig = Pick<
  ReceiverConfig,
  'idempotency' | 'keying' | 'freshness' | 'tolerance' | 'logger' | 'onError'
>;

/**
 * Steps 6 and 7 inline: claim the delivery's key, run its handlers, then complete the key
 * (success) or release it (failure, so the sender's retry runs). Without idempotency, just run.
 * A store that answers synchronously (the memory store) is not awaited.
 */
export async function dispatch(config: DispatchConfig, delivery: Delivery): Promise<WebhookResult> {
  const { idempotency } = config;
  if (idempotency === undefined) {
    const failure = run(delivery, undefined, undefined);
    return finish(config, delivery, failure instanceof Promise ? await failure : failure);
  }

  let key = deliveryKey(config.keying, delivery);
  if (key instanceof Promise) key = await key;
  if (key instanceof WebhookError) return failed(config, delivery.meta, key);
  delivery.meta.idempotencyKey = key;
  // A guarded event (the `freshness` option) claims its freshness key with its delivery key.
  let guarded = freshnessOf(config.freshness, config.keying, delivery.event, delivery.timestampMs);
  if (guarded instanceof Promise) guarded = await guarded;
  if (guarded instanceof WebhookError) return failed(config, delivery.meta, guarded);
  let claim: FreshnessClaim | Error;
  try {
    claim = (guarded ? claimFresh(idempotency, key, guarded.mark) : claimKey(idempotency, key)) as FreshnessClaim;
    if (claim instanceof Promise) claim = await claim;
  } catch (cause) {
    claim = cause instanceof Error ? cause : new Error(String(cause));
  }
  if (claim instanceof Error) {
    const error = new WebhookError('IDEMPOTENCY_STORE_UNAVAILABLE', { cause: claim });
    if (!idempotency.failOpen) return failed(config, delivery.meta, error);
    await report(config, error, errorInfo(delivery.meta));
    // Fail-open runs without the store, so without deduplication and without the freshness guard.
    return finish(config, delivery, await run(delivery, key, undefined));
  }
  if (claim.status === 'duplicate') {
    delivery.meta.duplicate = true;
    return acknowledged(delivery.meta, 'duplicate');
  }
  if (claim.status === 'in-flight') {
    const waitMs = Number.isFinite(claim.retryAfterMs) ? (claim.retryAfterMs as number) : idempotency.leaseMs;
    const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
    return refusal('DELIVERY_IN_PROGRESS', { meta: delivery.meta, headers: { 'retry-after': retryAfter } });
  }
  const fresh = guarded && {
    key: guarded.key,
    watermarkMs: claim.watermarkMs,
    stale: claim.status === 'stale',
    advanced: false,
  };
  if (fresh) delivery.meta.freshness = fresh;
  if (claim.status === 'stale') return acknowledged(delivery.meta, 'stale');

  let failure = run(delivery, key, fresh && freshnessInfo(fresh.key, fresh.watermarkMs, delivery.timestampMs));
  if (failure instanceof Promise) failure = await failure;
  // Settle failures are reported, never turned into another answer: the handlers have run.
  try {
    const retainMs = retention(idempotency, config.tolerance, delivery.timestampMs, delivery.now);
    const succeeded = failure === undefined;
    let settled = guarded
      ? settleFresh(idempotency, key, claim.token, succeeded, retainMs, guarded.mark)
      : settleKey(idempotency, key, claim.token, succeeded, retainMs);
    if (settled instanceof Promise) settled = await settled;
    if (fresh) fresh.advanced = settled === true;
  } catch (cause) {
    await report(config, new WebhookError('IDEMPOTENCY_STORE_UNAVAILABLE', { cause }), errorInfo(delivery.meta));
  }
  return finish(config, delivery, failure);
}

function run(delivery: Delivery, key: string | undefined, freshness: FreshnessInfo | undefined): MaybePromise<unknown> {
  const ctx = createContext(
    {
      idempotencyKey: key,
      secretIndex: delivery.secretIndex,
      receivedAt: new Date(delivery.now),
      headers: delivery.headers,
      rawBody: delivery.bytes,
      attempt: 1,
      deliveryId: key,
      enqueuedAt: undefined,
      freshness,
    },
    delivery.extensions,
  );
  return runHandlers(delivery.handlers, delivery.event, ctx);
}

function finish(config: DispatchConfig, delivery: Delivery, failure: unknown): MaybePromise<WebhookResult> {
  if (failure === undefined) return acknowledged(delivery.meta);
  return failed(config, delivery.meta, new WebhookError('HANDLER_FAILED', { cause: failure }));
}
