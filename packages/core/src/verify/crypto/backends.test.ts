import { describe, expect, it } from 'vitest';
import { bodyBytes, vectors } from '../../fixtures/vectors.js';
import * as nodeBackend from './node.js';
import type { CryptoBackend } from './types.js';
import * as webBackend from './web.js';

// Both backends against the same OpenSSL vectors. web.ts runs on Node's globalThis.crypto.subtle.
const backends = [
  ['node:crypto', nodeBackend.default as CryptoBackend<unknown>],
  ['web-crypto', webBackend.default as CryptoBackend<unknown>],
] as const;

const [secret0, secret1] = vectors.secrets;

describe.each(backends)('%s backend', (_name, backend) => {
  describe.each(vectors.bodies)('vector $name', (vector) => {
    const body = bodyBytes(vector);

    it('has the fixture size', () => {
      expect(body.byteLength).toBe(vector.bytes);
    });

    it('hmacHex equals openssl under each secret', async () => {
      expect(await backend.hmacHex(secret0, body)).toBe(vector.hmac[0]);
      expect(await backend.hmacHex(secret1, body)).toBe(vector.hmac[1]);
    });

    it('sha256Hex equals openssl', async () => {
      expect(await backend.sha256Hex(body)).toBe(vector.sha256);
    });

    it('matches the signature under the single secret', async () => {
      const keys = backend.prepareKeys([secret0]);
      expect(await backend.matchSignature(keys, body, vector.hmac[0])).toBe(0);
      expect(await backend.matchSignature(keys, body, vector.hmac[1])).toBe(-1);
    });

    it('reports which secret matched during rotation', async () => {
      const keys = backend.prepareKeys([secret0, secret1]);
      expect(await backend.matchSignature(keys, body, vector.hmac[0])).toBe(0);
      expect(await backend.matchSignature(keys, body, vector.hmac[1])).toBe(1);
      const reversed = backend.prepareKeys([secret1, secret0]);
      expect(await backend.matchSignature(reversed, body, vector.hmac[0])).toBe(1);
    });

    it('accepts upper-case hex', async () => {
      const keys = backend.prepareKeys([secret0, secret1]);
      expect(await backend.matchSignature(keys, body, vector.hmac[1].toUpperCase())).toBe(1);
    });

    it('rejects a signature with one flipped digit', async () => {
      const keys = backend.prepareKeys([secret0, secret1]);
      const last = vector.hmac[0].at(-1) === '0' ? '1' : '0';
      expect(await backend.matchSignature(keys, body, vector.hmac[0].slice(0, -1) + last)).toBe(-1);
    });
  });

  it('verifies a body that is a view into a larger buffer (byteOffset is honoured)', async () => {
    const vector = vectors.bodies[0]!;
    const body = bodyBytes(vector);
    const padded = new Uint8Array(body.byteLength + 16);
    padded.set(body, 7);
    const view = padded.subarray(7, 7 + body.byteLength);
    const keys = backend.prepareKeys([secret0]);
    expect(await backend.matchSignature(keys, view, vector.hmac[0])).toBe(0);
    expect(await backend.sha256Hex(view)).toBe(vector.sha256);
    expect(await backend.hmacHex(secret0, view)).toBe(vector.hmac[0]);
  });

  it('detects a one-byte change in the body', async () => {
    const vector = vectors.bodies[0]!;
    const body = bodyBytes(vector);
    body[10] = (body[10]! + 1) & 0xff;
    const keys = backend.prepareKeys([secret0]);
    expect(await backend.matchSignature(keys, body, vector.hmac[0])).toBe(-1);
  });
});

describe('backend names', () => {
  it('identifies each backend', () => {
    expect(nodeBackend.name).toBe('node:crypto');
    expect(webBackend.name).toBe('web-crypto');
  });
});
