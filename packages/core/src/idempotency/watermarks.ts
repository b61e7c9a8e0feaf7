import type { FreshnessCapability, FreshnessClaim, FreshnessMark } from '../freshness/types.js';
import type { Claim } from './store.js';

/**
 * The memory store's plain operations, which the watermarks wrap; they take the clock reading the
 * watermarks make, so that a guarded delivery reads the clock once per step (a reading costs about
 * as much as the rest of the step).
 */
interface PlainStore {
  claim(key: string, leaseMs: number, at: number): Claim;
  complete(key: string, token: string, retainMs: number, at: number): void;
  release(key: string, token: string): void;
}

/** The memory store's freshness capability, with what `size` and `clear()` need. */
export interface MemoryWatermarks extends FreshnessCapability {
  readonly size: number;
  clear(): void;
}

/**
 * One freshness key: its watermark (`ms`, -Infinity for none, valid until `expiresAt`) and the
 * delivery whose handlers run for it (`holder`, until `heldUntil`). Mutated in place, so a claim
 * and a completion allocate nothing here.
 */
interface Entry {
  ms: number;
  expiresAt: number;
  holder: string | undefined;
  heldUntil: number;
}

/**
 * The memory store's watermarks: per freshness key, the newest handled timestamp, kept until the
 * retention of the delivery that set it ends (the same retention as its delivery key: past it, the
 * replay window refuses anything older anyway) and at most `maxEntries` keys. A full table first
 * drops expired keys, then the key advanced longest ago, and calls `onFull` (a delivery older than
 * a forgotten watermark would then run). Everything is synchronous, so a claim is atomic within
 * the process.
 */
export function createMemoryWatermarks(
  plain: PlainStore,
  options: { maxEntries: number; now: () => number; onFull: () => void },
): MemoryWatermarks {
  const { maxEntries, now, onFull } = options;
  // Map order is the order of the last advance (or of creation): the head is the key advanced longest ago.
  const entries = new Map<string, Entry>();

  function claim(key: string, leaseMs: number, mark: FreshnessMark): FreshnessClaim {
    const at = now();
    const claimed = plain.claim(key, leaseMs, at);
    if (claimed.status !== 'claimed') return claimed;
    let entry = entries.get(mark.key);
    const watermarkMs = entry !== undefined && entry.expiresAt > at ? entry.ms : Number.NEGATIVE_INFINITY;
    if (mark.timestampMs < watermarkMs) {
      plain.release(key, claimed.token);
      return { status: 'stale', watermarkMs };
    }
    if (entry !== undefined && entry.holder !== undefined && entry.heldUntil > at) {
      plain.release(key, claimed.token);
      return { status: 'in-flight', retryAfterMs: entry.heldUntil - at };
    }
    if (entry === undefined) {
      entry = { ms: Number.NEGATIVE_INFINITY, expiresAt: 0, holder: undefined, heldUntil: 0 };
      add(mark.key, entry, at);
    }
    entry.holder = claimed.token;
    entry.heldUntil = at + leaseMs;
    return {
      status: 'claimed',
      token: claimed.token,
      watermarkMs: watermarkMs === Number.NEGATIVE_INFINITY ? undefined : watermarkMs,
    };
  }

  /** Adds a key, making room first: expired, unheld keys at the head, then the oldest. */
  function add(key: string, entry: Entry, at: number): void {
    if (entries.size >= maxEntries) {
      for (const [head, value] of entries) {
        if (entries.size < maxEntries) break;
        if (value.expiresAt > at || value.heldUntil > at) break;
        entries.delete(head);
      }
      if (entries.size >= maxEntries) {
        entries.delete(entries.keys().next().value as string);
        onFull();
      }
    }
    entries.set(key, entry);
  }

  function complete(key: string, token: string, retainMs: number, mark: FreshnessMark): boolean {
    const at = now();
    plain.complete(key, token, retainMs, at);
    let entry = entries.get(mark.key);
    if (entry?.holder === token) entry.holder = undefined;
    if (entry !== undefined && entry.expiresAt > at && mark.timestampMs <= entry.ms) return false;
    if (entry === undefined) {
      // Dropped while its handlers ran (a full table): recorded again.
      entry = { ms: mark.timestampMs, expiresAt: at + retainMs, holder: undefined, heldUntil: 0 };
      add(mark.key, entry, at);
      return true;
    }
    entry.ms = mark.timestampMs;
    entry.expiresAt = at + retainMs;
    // Moved to the tail: the most recently advanced key is the last to be dropped.
    entries.delete(mark.key);
    entries.set(mark.key, entry);
    return true;
  }

  function release(key: string, token: string, mark: FreshnessMark): void {
    plain.release(key, token);
    const entry = entries.get(mark.key);
    if (entry?.holder === token) entry.holder = undefined;
  }

  return {
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
    claim,
    complete,
    release,
  };
}
