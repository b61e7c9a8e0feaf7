import { describeError, log } from '../observe/logger.js';
import { internalsOf } from '../receiver/internals.js';
import { positive, timerMs } from '../receiver/option-checks.js';
import type { RetryConfig } from './backoff.js';
import { createJobProcessor } from './process-job.js';
import type { InboxConsumer } from './types.js';

/**
 * Options for {@link createInboxWorker}.
 *
 * @example
 * ```ts
 * const options: InboxWorkerOptions = { concurrency: 8, retry: { attempts: 8, baseMs: 2_000, maxMs: 600_000 } };
 * ```
 */
export interface InboxWorkerOptions {
  /** Deliveries run at once in this process (default 4). */
  concurrency?: number;
  /**
   * Retries: `attempts` counts every try, the first included (default 5); the wait before try n+1
   * grows from `baseMs` (default 1 s), doubling, capped at `maxMs` (default 5 min), with jitter.
   * The worker decides, so a change applies to deliveries already queued.
   */
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  /** How long `stop()` waits for the deliveries in hand (default 30 s); the engine recovers the rest. */
  stopTimeoutMs?: number;
}

/**
 * A worker: runs the receiver's handlers for the deliveries its inbox stored.
 *
 * @example
 * ```ts
 * const worker: InboxWorker = createInboxWorker(webhooks);
 * await worker.start();
 * ```
 */
export interface InboxWorker {
  /** Starts taking deliveries; resolves once the engine's consumer runs. */
  start(): Promise<void>;
  /** Takes nothing new and waits for the deliveries in hand, up to `stopTimeoutMs`. */
  stop(): Promise<void>;
}

/**
 * Creates the worker side of an inbox receiver: the same handlers, run from the engine with
 * retries, backoff and a dead-letter list. Run it in the same module that registers the handlers.
 * Handlers get `ctx.attempt`, `ctx.deliveryId` and `ctx.enqueuedAt`.
 *
 * @example
 * ```ts
 * import { createInboxWorker } from '@armalo-webhooks/core';
 * import { webhooks } from './webhooks.js'; // createWebhookReceiver({ secret, inbox }) plus its handlers
 *
 * const worker = createInboxWorker(webhooks, { concurrency: 8, retry: { attempts: 5 } });
 * await worker.start();
 * process.on('SIGTERM', () => worker.stop().then(() => process.exit(0)));
 * ```
 */
export function createInboxWorker(receiver: object, options: InboxWorkerOptions = {}): InboxWorker {
  const internals = internalsOf(receiver, 'createInboxWorker()');
  const inbox = internals.config.inbox;
  if (inbox === undefined)
    throw new TypeError('armalo-webhooks: this receiver has no `inbox` option, so there is nothing to work on');
  const retry: RetryConfig = {
    attempts: Math.floor(positive('retry.attempts', options.retry?.attempts ?? 5)),
    baseMs: timerMs('retry.baseMs', options.retry?.baseMs ?? 1000),
    maxMs: timerMs('retry.maxMs', options.retry?.maxMs ?? 5 * 60_000),
  };
  const concurrency = Math.floor(positive('concurrency', options.concurrency ?? 4));
  const stopTimeoutMs = timerMs('stopTimeoutMs', options.stopTimeoutMs ?? 30_000);
  const process = createJobProcessor(internals, retry, inbox.engine);
  const { logger } = internals.config;
  let consumer: Promise<InboxConsumer> | undefined;

  return {
    async start() {
      consumer ??= inbox.engine.consume({
        concurrency,
        process,
        freshness: internals.config.freshness !== undefined,
        onError: (error) => log(logger, 'error', `${inbox.engine.kind} inbox: ${describeError(error)}`),
      });
      await consumer;
    },
    async stop() {
      const running = consumer;
      consumer = undefined;
      if (running) await (await running).stop(stopTimeoutMs);
    },
  };
}
