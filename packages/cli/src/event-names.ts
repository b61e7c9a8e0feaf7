import { type CatalogEventName, EVENT_NAMES, isCatalogEventName, LEGACY_EVENT_NAMES } from '@armalo-webhooks/core';
import { CliError } from './errors.js';

/**
 * Checks an event name against the catalog. An unknown name is a one-line error that lists the
 * valid names, unless `allowUnknown` is set (to see how a receiver treats a future event).
 *
 * @example
 * ```ts
 * resolveEventName('score.changed'); // 'score.changed'
 * resolveEventName('score.chanegd'); // throws CliError: unknown event "score.chanegd". Valid events: …
 * ```
 */
export function resolveEventName(name: string, options: { allowUnknown?: boolean } = {}): string {
  if (isCatalogEventName(name) || options.allowUnknown === true) return name;
  const hint = closestEventName(name);
  throw new CliError(
    `unknown event "${name}".${hint === undefined ? '' : ` Did you mean "${hint}"?`} Valid events: ${EVENT_NAMES.join(', ')} (legacy: ${LEGACY_EVENT_NAMES.join(', ')})`,
  );
}

function closestEventName(name: string): CatalogEventName | undefined {
  let best: CatalogEventName | undefined;
  let bestDistance = 3;
  for (const candidate of [...EVENT_NAMES, ...LEGACY_EVENT_NAMES]) {
    const distance = levenshtein(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
