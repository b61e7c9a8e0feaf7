import type { FreshnessCapability, FreshnessClaim, FreshnessMark } from '../freshness/types.js';
import type { Claim } from './store.js';

/** The memory store's plain operations, which the watermarks wrap. */
interface PlainStore {
  claim(key: string, leaseMs: number): Claim;
  complete(key: string, token: string, retainMs: number): void;
  release(key: string, token: string): void;
}

/** The memory store's freshness capability, with what `size` and `clear()` need. */
export interface MemoryWatermarks extends FreshnessCapability {
  readonly size: number;
  clear(): void;
}

/**
 * The memory store's watermarks: per freshness key, the newest handled timestamp, kept until the
 * retention of the delivery that set it ends (the same retention as its delivery key: past it, the
 * replay window refuses anything older anyway) and at most `maxEntries` of them. A full table drops
 * the key advanced longest ago and calls `onFull` (a delivery older than a forgotten watermark
 * would then run). Everything is synchronous, so a claim is atomic within the process.
 */
export function createMemoryWatermarks(
  plain: PlainStore,
  options: { maxEntries: number; now: () => number; onFull: () => void },
): MemoryWatermarks {
  const { maxEntries, now, onFull } = options;
  // Map order is the order of the last advance: the head is the key advanced longest ago.
  const marks = new Map<string, { ms: number; expiresAt: number }>();
  // Which delivery holds each freshness key while its handlers run.
  const holders = new Map<string, { token: string; expiresAt: number }>();

  function watermark(key: string, at: number): number | undefined {
    const mark = marks.get(key);
    if (mark === undefined) return undefined;
    if (mark.expiresAt > at) return mark.ms;
    marks.delete(key);
    return undefined;
  }

  function claim(key: string, leaseMs: number, mark: FreshnessMark): FreshnessClaim {
    const claimed = plain.claim(key, leaseMs);
    if (claimed.status !== 'claimed') return claimed;
    const at = now();
    const watermarkMs = watermark(mark.key, at);
    if (watermarkMs !== undefined && mark.timestampMs < watermarkMs) {
      plain.release(key, claimed.token);
      return { status: 'stale', watermarkMs };
    }
    const holder = holders.get(mark.key);
    if (holder !== undefined && holder.expiresAt > at) {
      plain.release(key, claimed.token);
      return { status: 'in-flight', retryAfterMs: holder.expiresAt - at };
    }
    holders.set(mark.key, { token: claimed.token, expiresAt: at + leaseMs });
    return { status: 'claimed', token: claimed.token, watermarkMs };
  }

  function unhold(key: string, token: string): void {
    if (holders.get(key)?.token === token) holders.delete(key);
  }

  function complete(key: string, token: string, retainMs: number, mark: FreshnessMark): boolean {
    plain.complete(key, token, retainMs);
    unhold(mark.key, token);
    const at = now();
    const watermarkMs = watermark(mark.key, at);
    if (watermarkMs !== undefined && mark.timestampMs <= watermarkMs) return false;
    marks.delete(mark.key);
    // Expired keys at the head first; only a table still full of live ones drops a live one.
    for (const [head, value] of marks) {
      if (value.expiresAt > at) break;
      marks.delete(head);
    }
    if (marks.size >= maxEntries) {
      const oldest = marks.keys().next().value as string;
      marks.delete(oldest);
      onFull();
    }
    marks.set(mark.key, { ms: mark.timestampMs, expiresAt: at + retainMs });
    return true;
  }

  function release(key: string, token: string, mark: FreshnessMark): void {
    plain.release(key, token);
    unhold(mark.key, token);
  }

  return {
    get size() {
      return marks.size;
    },
    clear() {
      marks.clear();
      holders.clear();
    },
    claim,
    complete,
    release,
  };
}
