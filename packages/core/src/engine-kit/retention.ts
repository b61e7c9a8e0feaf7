import type { WebhookLogger } from '../observe/logger.js';
import { DEFAULTS } from '../receiver/options.js';

/**
 * What a receiver tells the inbox it was given: how long a completed delivery must be kept, and
 * where to log. See {@link createReceiverSlot}.
 *
 * @example
 * ```ts
 * const settings: InboxReceiverSettings = { retentionMs: 7 * 86_400_000 + 300_000, logger: console };
 * ```
 */
export interface InboxReceiverSettings {
  /**
   * How long a completed delivery must stay stored so that a re-send is answered `duplicate`: the
   * replay window (`tolerance.pastMs + tolerance.futureMs`, default 7 days + 5 minutes), past which a
   * re-send is refused anyway; with `tolerance: false`, `idempotency.retainMs` (default 7 days).
   */
  retentionMs: number;
  logger: WebhookLogger;
  /**
   * How long the receiver waits for `enqueue` before answering 503 (`inbox.timeoutMs`, default 5 s;
   * `Infinity` waits forever): an engine can give up the write at the same time, and drop a
   * connection that went silent.
   */
  enqueueTimeoutMs?: number;
}

/** The retention of a receiver with default options: the default replay window plus the clock skew allowance. */
export const DEFAULT_RETENTION_MS: number = DEFAULTS.pastMs + DEFAULTS.futureMs;

/**
 * The retention a receiver's options call for (see {@link InboxReceiverSettings.retentionMs}).
 *
 * @example
 * ```ts
 * retentionFor({ tolerance: { pastMs: 86_400_000 } }); // 86_400_000 + 300_000
 * ```
 */
export function retentionFor(options: {
  tolerance?: { pastMs?: number; futureMs?: number } | false | undefined;
  idempotency?: { retainMs?: number } | false | undefined;
}): number {
  if (options.tolerance === false) {
    return (options.idempotency === false ? undefined : options.idempotency?.retainMs) ?? DEFAULTS.retainMs;
  }
  return (options.tolerance?.pastMs ?? DEFAULTS.pastMs) + (options.tolerance?.futureMs ?? DEFAULTS.futureMs);
}

/**
 * An engine's retention and logger: the ones it was given, else what the receivers that use it
 * said (the longest retention, the first logger), else the defaults. Core calls `adopt` through
 * `Inbox.useReceiver` when a receiver is created with the inbox, so an engine's retention follows
 * the receiver's replay window instead of a literal of its own.
 *
 * @example
 * ```ts
 * import { createReceiverSlot } from '@armalo-webhooks/core/engine-kit';
 * const receiver = createReceiverSlot({ retentionMs: options.retentionSeconds && options.retentionSeconds * 1000 });
 * const inbox = { ...operations, useReceiver: receiver.adopt };
 * const removeOnCompleteSeconds = Math.ceil(receiver.retentionMs() / 1000);
 * ```
 */
export function createReceiverSlot(
  own: { retentionMs?: number | undefined; logger?: WebhookLogger | undefined } = {},
): {
  retentionMs(): number;
  logger(): WebhookLogger;
  adopt(settings: InboxReceiverSettings): void;
} {
  let adoptedRetention: number | undefined;
  let adoptedLogger: WebhookLogger | undefined;
  return {
    retentionMs: () => own.retentionMs ?? adoptedRetention ?? DEFAULT_RETENTION_MS,
    logger: () => own.logger ?? adoptedLogger ?? console,
    adopt(settings) {
      // Receivers sharing an engine may have different windows: keep what the longest one needs.
      adoptedRetention = Math.max(adoptedRetention ?? 0, settings.retentionMs);
      adoptedLogger ??= settings.logger;
    },
  };
}
