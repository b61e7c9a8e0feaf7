import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';

/** A fresh token for the inspector's URL: 128 random bits, hex. */
export function createToken(): string {
  return randomBytes(16).toString('hex');
}

/** Whether `host` (a bind address or a Host header's name) only reaches this machine. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
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
export function hostNameOf(header: string | undefined): string | undefined {
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
export function tokenMatches(candidate: string, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(candidate), digest(token));
}
