import { type CatalogEventName, EVENT_CATALOG, type EventDataMap } from '../events/catalog.js';

/**
 * Sample `data` for an event, from its catalog row: a fresh copy every call, so a test can change
 * it freely. `overrides` replace top-level fields (a shallow merge: pass a whole `dimensions`
 * object to change one dimension). The two samples in Armalo's docs (`score.changed`,
 * `eval.completed`) are verbatim; the others are illustrative, since the provider does not
 * document their fields. Legacy names get `{}`.
 *
 * @example
 * ```ts
 * import { sampleData } from '@armalo-webhooks/core/testing';
 * sampleData('score.changed').compositeScore; // 862
 * sampleData('score.changed', { compositeScore: 400 }).compositeScore; // 400
 * ```
 */
export function sampleData<K extends CatalogEventName>(
  event: K,
  overrides?: Partial<EventDataMap[K]>,
): EventDataMap[K] {
  const sample = structuredClone(EVENT_CATALOG[event].sample) as EventDataMap[K];
  return overrides === undefined ? sample : { ...sample, ...overrides };
}
