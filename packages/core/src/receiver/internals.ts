import type { Router } from '../handlers/router.js';
import type { ObserverList } from '../observe/observer.js';
import type { ReceiverConfig } from './config.js';

/** What core's worker needs from a receiver, kept off its public interface. */
export interface ReceiverInternals {
  config: ReceiverConfig;
  router: Router;
  observers: ObserverList;
}

// A module-level WeakMap rather than a property: nothing a user holds can reach or forge it.
const internals = new WeakMap<object, ReceiverInternals>();

export function registerReceiver(receiver: object, value: ReceiverInternals): void {
  internals.set(receiver, value);
}

export function receiverInternals(receiver: object): ReceiverInternals | undefined {
  return internals.get(receiver);
}
