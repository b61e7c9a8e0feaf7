/** The longest delay `setTimeout` honours: past it, Node and browsers fire the timer at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a duration option: a positive number of milliseconds that a timer can wait, or
 * `Infinity` (no limit) where `allowInfinity` says so. Every timer value of the library goes
 * through here, so a huge value fails at startup instead of firing at once on every request.
 */
export function timerMs(name: string, value: number, allowInfinity = false): number {
  if (value === Number.POSITIVE_INFINITY && allowInfinity) return value;
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_MS) {
    const range = allowInfinity ? `1 to ${MAX_TIMER_MS}, or Infinity` : `1 to ${MAX_TIMER_MS}`;
    throw new RangeError(`armalo-webhooks: ${name} must be a number of milliseconds from ${range}; got ${value}`);
  }
  return value;
}

/** Checks a positive count or size option. */
export function positive(name: string, value: number, allowInfinity = false): number {
  if (typeof value !== 'number' || !(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(`armalo-webhooks: ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
