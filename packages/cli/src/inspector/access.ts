import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

/** A fresh token for the inspector's URL: 128 random bits, hex. */
export function createToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The names a browser may use in the Host header. A page on another site that rebinds its own
 * name to 127.0.0.1 still sends its own name, so checking Host stops DNS rebinding. Bound to a
 * wildcard address, the machine's own addresses are accepted too.
 */
export function allowedHostNames(bindHost: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const add = (address: string) => names.add(address.includes(':') ? `[${address.toLowerCase()}]` : address);
  if (bindHost === '0.0.0.0' || bindHost === '::') {
    for (const list of Object.values(networkInterfaces())) for (const item of list ?? []) add(item.address);
  } else {
    add(bindHost.toLowerCase());
  }
  return names;
}

/** The host name of a Host header (`127.0.0.1:4400`, `[::1]:4400`), or undefined when it is not one. */
function hostNameOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Compares a token from a request with the inspector's in constant time. Hashing both first gives
 * equal lengths, so the comparison does not leak the token's length either.
 */
function tokenMatches(candidate: string, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(candidate), digest(token));
}

/** What the gate makes of a request: the route under the token, or the answer to give instead. */
export type Admission =
  | { route: string }
  | { status: 308; location: string }
  | { status: 400 | 401 | 403 | 415; error: string };

/**
 * The gate every request to the inspector passes, in order: its Host (403, DNS rebinding), the form
 * of its path (400), its token (401 without, 403 wrong), and JSON on a POST (415: a cross-site form
 * cannot post, and a cross-site fetch needs a preflight). It reads the request as plain text and
 * never throws, whatever a client sends: the path is not URL-parsed or percent-decoded.
 *
 * @example
 * ```ts
 * const admitted = admit(req, token, allowedHostNames('127.0.0.1'));
 * if ('route' in admitted) serve(admitted.route); // 'api/config'
 * ```
 */
export function admit(
  req: Pick<IncomingMessage, 'url' | 'method' | 'headers'>,
  token: string,
  allowedHosts: ReadonlySet<string>,
): Admission {
  const hostName = hostNameOf(req.headers.host);
  if (hostName === undefined || !allowedHosts.has(hostName)) {
    return { status: 403, error: 'this Host is not allowed (the inspector answers to its own address only)' };
  }
  const path = pathOf(req.url);
  if (path === undefined) return { status: 400, error: 'malformed URL' };
  const [, given = '', ...rest] = path.split('/');
  if (given === '') return { status: 401, error: 'the inspector URL carries a token: use the URL it printed' };
  if (!tokenMatches(given, token)) return { status: 403, error: 'wrong token' };
  // `/<token>` without the slash: relative links on the page need it.
  if (rest.length === 0) return { status: 308, location: `/${given}/` };
  if (req.method === 'POST' && !(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return { status: 415, error: 'POST application/json' };
  }
  return { route: rest.join('/') };
}

/**
 * The path of an origin-form request target (`/token/api/config?x`), or undefined when it is not
 * one: not starting with a single `/`, or with a `%` that does not start a two-digit hex escape.
 * Routes and tokens are plain ASCII, so nothing needs decoding.
 */
function pathOf(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  const path = target.split(/[?#]/, 1)[0] ?? '';
  return /%(?![0-9a-fA-F]{2})/.test(path) ? undefined : path;
}
