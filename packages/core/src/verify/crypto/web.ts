// Type-only (erased at build): the Web Crypto types, without pulling in the DOM lib.
import type { webcrypto } from 'node:crypto';
import type { CryptoBackend } from './types.js';

type CryptoKey = webcrypto.CryptoKey;
type SubtleCrypto = webcrypto.SubtleCrypto;

const encoder = new TextEncoder();
const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const;

type WebKeys = Promise<CryptoKey>[];

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new Error('Web Crypto (globalThis.crypto.subtle) is not available in this runtime');
  return api;
}

function importKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return subtle().importKey('raw', encoder.encode(secret), HMAC, false, [usage]);
}

function prepareKeys(secrets: readonly string[]): WebKeys {
  return secrets.map((secret) => {
    const key = importKey(secret, 'verify');
    // Surface an import failure at verify time, not as an unhandled rejection at startup.
    key.catch(() => {});
    return key;
  });
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function bytesToHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

async function matchSignature(keys: WebKeys, body: Uint8Array, signature: string): Promise<number> {
  const expected = hexToBytes(signature);
  const data = body as Uint8Array<ArrayBuffer>;
  let matched = -1;
  for (let i = 0; i < keys.length; i++) {
    // subtle.verify compares in constant time; every secret is tried, whatever matched first.
    const ok = await subtle().verify('HMAC', await (keys[i] as Promise<CryptoKey>), expected, data);
    if (ok && matched === -1) matched = i;
  }
  return matched;
}

async function hmacHex(secret: string, body: Uint8Array): Promise<string> {
  const key = await importKey(secret, 'sign');
  return bytesToHex(await subtle().sign('HMAC', key, body as Uint8Array<ArrayBuffer>));
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  return bytesToHex(await subtle().digest('SHA-256', body as Uint8Array<ArrayBuffer>));
}

const backend = { prepareKeys, matchSignature, hmacHex, sha256Hex } satisfies CryptoBackend<WebKeys>;

export const name = 'web-crypto';
export { hmacHex, matchSignature, prepareKeys, sha256Hex };
export default backend;
