/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Whether a value meets a target written as '<= 1.10', '< 1', '>= 1.3' or '> 0.95'.
 * Returns undefined when the target cannot be read.
 */
export function meets(value, target) {
  if (typeof target !== 'string' || typeof value !== 'number' || Number.isNaN(value)) return undefined;
  const match = /^\s*(<=|>=|<|>|≤|≥)\s*([0-9.]+)/.exec(target);
  if (!match) return undefined;
  const bound = Number(match[2]);
  switch (match[1]) {
    case '<=':
    case '≤':
      return value <= bound;
    case '>=':
    case '≥':
      return value >= bound;
    case '<':
      return value < bound;
    case '>':
      return value > bound;
    default:
      return undefined;
  }
}
