import type { WebhookResult } from '../exchange/result.js';
import type { Exchange } from '../exchange/types.js';
import type { Router } from '../handlers/router.js';
import type { ObserverList } from '../observe/observer.js';
import type { RefusalRecorder } from '../observe/refusal-log.js';
import type { ReceiverConfig } from './config.js';

/** What core's other entry points need from a receiver, kept off its public interface. */
export interface ReceiverInternals {
  config: ReceiverConfig;
  router: Router;
  observers: ObserverList;
  refusals: RefusalRecorder;
  /** The whole exchange, for `handleExchange`. */
  exchange(exchange: Exchange): Promise<WebhookResult>;
}

// The one channel from a receiver to its internals. Module-private: nothing a user holds can
// reach or forge it.
const internals = new WeakMap<object, ReceiverInternals>();

export function setInternals(receiver: object, value: ReceiverInternals): void {
  internals.set(receiver, value);
}

/** The internals of a receiver from `createWebhookReceiver()`; a `TypeError` naming `caller` for anything else. */
export function internalsOf(receiver: unknown, caller: string): ReceiverInternals {
  const found = typeof receiver === 'object' && receiver !== null ? internals.get(receiver) : undefined;
  if (found === undefined) {
    throw new TypeError(
      `armalo-webhooks: ${caller} needs a receiver from createWebhookReceiver() (of the same copy of @armalo-webhooks/core: check that only one is installed)`,
    );
  }
  return found;
}
