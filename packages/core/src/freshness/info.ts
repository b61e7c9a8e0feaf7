import type { FreshnessInfo } from './types.js';

/**
 * `ctx.freshness` from what the claim read: inline and in the inbox worker alike. `advances` is
 * decided here once: strictly newer than the watermark (equal timestamps are not stale, and do not
 * raise it either).
 */
export function freshnessInfo(key: string, watermarkMs: number | undefined, timestampMs: number): FreshnessInfo {
  return {
    key,
    watermark: watermarkMs === undefined ? undefined : new Date(watermarkMs),
    advances: watermarkMs === undefined || timestampMs > watermarkMs,
  };
}
