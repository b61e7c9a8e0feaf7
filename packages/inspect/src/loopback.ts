/**
 * Whether `host` (a bind address, a URL's host name or a Host header's name) only reaches this
 * machine: `localhost`, `127.0.0.0/8` or `::1`. `inspect()` refuses to post elsewhere unless told
 * to, and `armalo-webhooks dev` warns when bound elsewhere.
 *
 * @example
 * ```ts
 * isLoopback('127.0.0.1'); // true
 * isLoopback('[::1]'); // true
 * isLoopback('192.168.1.20'); // false
 * ```
 */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
