/**
 * Request headers in any of the shapes the frameworks hand out: a fetch `Headers`, Node's
 * `IncomingHttpHeaders` (lower-case keys, arrays for repeated headers), or a plain record.
 *
 * @example
 * ```ts
 * const headers: HeadersInput = { 'x-armalo-signature': 'ab12…', 'content-type': 'application/json' };
 * ```
 */
export type HeadersInput =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * Reads one header by lower-case name. Arrays are returned as they are so that callers can
 * refuse repeated headers; a fetch `Headers` already joins repeats with ", ".
 *
 * @example
 * ```ts
 * getHeader(req.headers, 'x-armalo-signature');
 * ```
 */
export function getHeader(headers: HeadersInput, name: string): string | readonly string[] | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  let value = headerValue(record[name]);
  if (value === undefined) {
    // Plain records built by hand (tests, serverless events) may not be lower-cased.
    for (const key in record) {
      if (key.length === name.length && key.toLowerCase() === name) {
        value = headerValue(record[key]);
        break;
      }
    }
  }
  return value;
}

/**
 * Only strings, arrays and numbers are header values. Anything else is absent: a `null` from a
 * serverless event, or what a plain record inherits (`constructor`, `toString`, `__proto__`).
 */
function headerValue(value: unknown): string | readonly string[] | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/**
 * Reads a header that must appear once; repeated values are joined the way HTTP does.
 *
 * @example
 * ```ts
 * getSingleHeader(headers, 'content-type'); // 'application/json'
 * ```
 */
export function getSingleHeader(headers: HeadersInput, name: string): string | undefined {
  const value = getHeader(headers, name);
  if (value === undefined || typeof value === 'string') return value;
  return value.join(', ');
}
