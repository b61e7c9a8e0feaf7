import backend from '#crypto';
import { WebhookError } from '../errors.js';
import type { WebhookContext, WebhookEvent } from '../events/event-types.js';
import type { Claim, MaybePromise } from '../idempotency/store.js';
import { callStore } from '../idempotency/store-call.js';
import { describeError, log } from '../observe/logger.js';
import type { StoringObservation } from '../observe/observer.js';
import type { IdempotencyConfig, KeyConfig, ReceiverConfig } from '../receiver/config.js';
import type { ErrorInfo } from '../receiver/options.js';
import { acknowledged, type ResultMeta, refusal, type WebhookResult } from './result.js';

/** A handler as the router stores it. */
export type AnyHandler = (event: WebhookEvent, ctx: WebhookContext) => unknown;

/** A verified, validated delivery, ready for its handlers. */
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
  /** Builds the handlers' `ctx` once the idempotency key is known. */
  context(idempotencyKey: string | undefined): WebhookContext;
  meta: ResultMeta;
  /** With observers and an inbox: tells them the delivery is about to be stored. */
  storing?: ((delivery: StoringObservation) => void) | undefined;
}

/**
 * Steps 6 and 7: claim the delivery's key, run its handlers in order, then complete the key
 * (success) or release it (failure, so the sender's retry runs). Without idempotency, just run.
 * A store that answers synchronously (the memory store) is not awaited.
 */
export async function dispatch(config: ReceiverConfig, delivery: Delivery): Promise<WebhookResult> {
  const idempotency = config.idempotency;
  if (idempotency === undefined) {
    const failure = runHandlers(delivery, undefined);
    return finish(config, delivery, failure instanceof Promise ? await failure : failure);
  }

  let key = deliveryKey(config.keying, delivery);
  if (key instanceof Promise) key = await key;
  if (key instanceof WebhookError) return failed(config, delivery, key);
  delivery.meta.idempotencyKey = key;
  let claim: Claim | Error;
  try {
    claim = claimKey(idempotency, key) as Claim;
    if (claim instanceof Promise) claim = await claim;
  } catch (cause) {
    claim = cause instanceof Error ? cause : new Error(String(cause));
  }
  if (claim instanceof Error) {
    const error = new WebhookError('IDEMPOTENCY_STORE_UNAVAILABLE', { cause: claim });
    if (!idempotency.failOpen) return failed(config, delivery, error);
    await report(config, error, info(delivery));
    return finish(config, delivery, await runHandlers(delivery, key));
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

  let failure = runHandlers(delivery, key);
  if (failure instanceof Promise) failure = await failure;
  const { token } = claim;
  // Settle failures are reported, never turned into another answer: the handlers have run.
  try {
    const settled = callStore(
      () =>
        failure === undefined
          ? idempotency.store.complete(key, token, retention(config, delivery))
          : idempotency.store.release(key, token),
      idempotency.timeoutMs,
    );
    if (settled instanceof Promise) await settled;
  } catch (cause) {
    await report(config, new WebhookError('IDEMPOTENCY_STORE_UNAVAILABLE', { cause }), info(delivery));
  }
  return finish(config, delivery, failure);
}

/**
 * The stored key: `<scope>:<key>`. Unless `idempotency.key` says otherwise, the key identifies the
 * bytes: under the default scope (one per secret) the verified signature's tag, which is free;
 * under a fixed `idempotency.scope`, shared by all secrets, a SHA-256 of the bytes, which is the
 * same whichever secret signed them.
 */
export function deliveryKey(keying: KeyConfig, delivery: Delivery): MaybePromise<string | WebhookError> {
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

/** Claims `key`; a claim that arrives after the timeout is given back, since nothing ran. */
function claimKey(idempotency: IdempotencyConfig, key: string): MaybePromise<Claim> {
  const claim = callStore(
    () => idempotency.store.claim(key, idempotency.leaseMs),
    idempotency.timeoutMs,
    (late) => {
      if (late?.status === 'claimed') Promise.resolve(idempotency.store.release(key, late.token)).catch(() => {});
    },
  );
  return claim instanceof Promise ? claim.then(validClaim) : validClaim(claim);
}

/**
 * A store that answers something else fails closed: running without a token would silently drop
 * deduplication for this delivery.
 */
function validClaim(claim: Claim): Claim {
  const valid =
    claim?.status === 'duplicate' ||
    claim?.status === 'in-flight' ||
    (claim?.status === 'claimed' && typeof claim.token === 'string');
  if (!valid) throw new TypeError(`idempotency store returned an invalid claim (${JSON.stringify(claim)})`);
  return claim;
}

/** How long a completed key must be kept: until the timestamp leaves the replay window, plus the skew allowance. */
function retention(config: ReceiverConfig, delivery: Delivery): number {
  const window = config.tolerance;
  if (window === undefined) return (config.idempotency as IdempotencyConfig).retainMs;
  return Math.max(delivery.timestampMs + window.pastMs - delivery.now, 0) + window.futureMs;
}

/** Runs the handlers in registration order; the first failure stops the run. Returns it, if any. */
function runHandlers(delivery: Delivery, key: string | undefined): MaybePromise<unknown> {
  return runEach(delivery.handlers, delivery.event, delivery.context(key));
}

/**
 * Runs handlers in order, inline or in the inbox worker; returns the first failure, if any. Handlers
 * that return a plain value are not awaited, like the other synchronous steps: the run only turns
 * asynchronous at the first handler that returns a promise.
 */
export function runEach(
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function finish(config: ReceiverConfig, delivery: Delivery, failure: unknown): MaybePromise<WebhookResult> {
  if (failure === undefined) return acknowledged(delivery.meta);
  return failed(config, delivery, new WebhookError('HANDLER_FAILED', { cause: failure }));
}

export async function failed(config: ReceiverConfig, delivery: Delivery, error: WebhookError): Promise<WebhookResult> {
  await report(config, error, info(delivery));
  delivery.meta.error = error;
  return refusal(error.code, { meta: delivery.meta });
}

function info(delivery: Delivery): ErrorInfo {
  const { event, idempotencyKey } = delivery.meta;
  return idempotencyKey === undefined ? { event: event as string } : { event: event as string, idempotencyKey };
}

/**
 * Tells `onError` (or the logger) about a 5xx. A throwing hook or logger never changes the answer.
 */
export async function report(config: ReceiverConfig, error: WebhookError, errorInfo: ErrorInfo): Promise<void> {
  try {
    if (config.onError) await config.onError(error, errorInfo);
    else
      log(config.logger, 'error', `${error.code}: ${error.message}`, {
        ...errorInfo,
        cause: describeError(error.cause),
      });
  } catch (hookError) {
    log(config.logger, 'error', 'onError threw', { cause: describeError(hookError) });
  }
}
