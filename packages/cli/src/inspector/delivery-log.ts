import { randomBytes } from 'node:crypto';
import type { Observed, ObservedAttempt, ObservedExchange } from '@armalo-webhooks/inspect';

/**
 * How a delivery reached the receiver: from outside, or sent by the inspector's buttons. The
 * inspector marks what it sends with this header, so the page can tell a replay from the original.
 */
export const ORIGIN_HEADER = 'x-armalo-inspector';

/**
 * One delivery the inspector keeps, in memory only.
 *
 * @example
 * ```ts
 * const entry: LoggedDelivery = log.get(id)!;
 * entry.attempts.at(-1)?.outcome; // 'succeeded'
 * ```
 */
export interface LoggedDelivery {
  id: string;
  /** Counts up from 1 in the order deliveries arrived. */
  seq: number;
  exchange: ObservedExchange;
  origin: 'received' | 'replay' | 'sample';
  /** For a replay sent by the inspector: the entry it replays. */
  replayOf?: string;
  /** Inbox attempts, oldest first (bounded). */
  attempts: ObservedAttempt[];
}

/**
 * The deliveries an inspector holds: at most `max`, the oldest dropped first, and the listeners
 * told of each new or changed entry.
 *
 * @example
 * ```ts
 * const log = createDeliveryLog({ max: 200 });
 * const stop = log.subscribe((entry) => console.log(entry.seq, entry.exchange.event));
 * log.record(observed);
 * ```
 */
export interface DeliveryLog {
  record(observed: Observed): LoggedDelivery | undefined;
  get(id: string): LoggedDelivery | undefined;
  /** Newest first. */
  list(): LoggedDelivery[];
  subscribe(listener: (entry: LoggedDelivery) => void): () => void;
}

const MAX_ATTEMPTS = 50;
const MAX_EARLY = 100;

// An attempt's end replaces its start; attempts are kept oldest first, the latest MAX_ATTEMPTS.
function merge(attempts: ObservedAttempt[], attempt: ObservedAttempt): ObservedAttempt[] {
  const last = attempts.at(-1);
  const ends =
    last !== undefined &&
    last.outcome === 'running' &&
    last.attempt === attempt.attempt &&
    last.replayOf === attempt.replayOf;
  const next = ends ? [...attempts.slice(0, -1), attempt] : [...attempts, attempt];
  return next.slice(-MAX_ATTEMPTS);
}

/** @see DeliveryLog */
export function createDeliveryLog(options: { max: number }): DeliveryLog {
  const entries = new Map<string, LoggedDelivery>();
  // A worker can start on a delivery before the receiver has answered for it (a memory inbox
  // runs at once): its attempts wait here for the exchange.
  const early = new Map<string, ObservedAttempt[]>();
  const listeners = new Set<(entry: LoggedDelivery) => void>();
  let seq = 0;

  const notify = (entry: LoggedDelivery): LoggedDelivery => {
    for (const listener of listeners) listener(entry);
    return entry;
  };

  const addExchange = (exchange: ObservedExchange): LoggedDelivery => {
    const marker = (exchange.headers[ORIGIN_HEADER] ?? '').split(' ');
    const origin = marker[0] === 'replay' || marker[0] === 'sample' ? marker[0] : 'received';
    const entry: LoggedDelivery = {
      id: randomBytes(6).toString('hex'),
      seq: ++seq,
      exchange,
      origin,
      attempts: (exchange.deliveryId === undefined ? undefined : early.get(exchange.deliveryId)) ?? [],
      ...(origin === 'replay' && marker[1] !== undefined ? { replayOf: marker[1] } : {}),
    };
    if (exchange.deliveryId !== undefined) early.delete(exchange.deliveryId);
    entries.set(entry.id, entry);
    // A Map iterates in insertion order: the first key is the oldest.
    while (entries.size > options.max) entries.delete(entries.keys().next().value as string);
    return notify(entry);
  };

  // An attempt belongs to the newest exchange that stored its delivery; a resend the inbox
  // answered as a duplicate stored nothing.
  const addAttempt = (attempt: ObservedAttempt): LoggedDelivery | undefined => {
    const stored = [...entries.values()].filter((item) => item.exchange.deliveryId === attempt.deliveryId);
    const entry = stored.filter((item) => !item.exchange.duplicate).at(-1) ?? stored.at(-1);
    if (entry === undefined) {
      const waiting = early.get(attempt.deliveryId) ?? [];
      early.set(attempt.deliveryId, merge(waiting, attempt));
      if (early.size > MAX_EARLY) early.delete(early.keys().next().value as string);
      return undefined;
    }
    entry.attempts = merge(entry.attempts, attempt);
    return notify(entry);
  };

  return {
    record: (observed) => (observed.type === 'exchange' ? addExchange(observed) : addAttempt(observed)),
    get: (id) => entries.get(id),
    list: () => [...entries.values()].reverse(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
