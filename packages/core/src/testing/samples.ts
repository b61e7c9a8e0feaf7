import { type CatalogEventName, EVENT_CATALOG, type EventDataMap } from '../catalog.js';

/**
 * Sample `data` for an event, from its catalog row: a fresh copy every call, so a test can change
 * it freely. The two samples in Armalo's docs (`score.changed`, `eval.completed`) are verbatim;
 * the others are illustrative, since the provider does not document their fields. Legacy names
 * get `{}`.
 *
 * @example
 * ```ts
 * import { sampleData } from '@armalo-webhooks/core/testing';
 * sampleData('score.changed').compositeScore; // 862
 * ```
 */
export function sampleData<K extends CatalogEventName>(event: K): EventDataMap[K] {
  return structuredClone(EVENT_CATALOG[event].sample) as EventDataMap[K];
}
