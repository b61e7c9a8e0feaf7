import { describe, expect, it } from 'vitest';
import { bodyBytes, vector, vectors } from '../fixtures/vectors.js';
import { sign } from '../testing/index.js';
import { normalizeSecrets } from './secrets.js';
import { createVerifier, parseSignatureHeader, signPayload, verifyWebhookSignature } from './signature.js';

const [current, previous] = vectors.secrets;
const plain = vector('plain');
const plainBytes = bodyBytes(plain);
const sig = plain.hmac[0];

describe('parseSignatureHeader', () => {
  it.each([
    ['lower-case hex', sig, sig],
    ['upper-case hex', sig.toUpperCase(), sig.toUpperCase()],
    ['surrounding whitespace', ` \t${sig}\r\n `, sig],
    ['a one-value array', [sig], sig],
  ])('accepts %s', (_name, header, expected) => {
    expect(parseSignatureHeader(header)).toEqual({ ok: true, signature: expected });
  });

  it.each([
    ['63 characters', sig.slice(1)],
    ['65 characters', `${sig}0`],
    ['a non-hex character', `${sig.slice(0, -1)}g`],
    ['a sha256= prefix', `sha256=${sig}`],
    ['inner whitespace', `${sig.slice(0, 32)} ${sig.slice(32)}`],
    ['comma-joined duplicates', `${sig}, ${sig}`],
    ['an array of two values', [sig, sig]],
    ['an array of two different values', [sig, plain.hmac[1]]],
  ])('rejects %s as MALFORMED_SIGNATURE', (_name, header) => {
    expect(parseSignatureHeader(header)).toMatchObject({ ok: false, code: 'MALFORMED_SIGNATURE' });
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['whitespace only', '   '],
    ['an empty array', []],
  ])('answers MISSING_SIGNATURE when the header is %s', (_name, header) => {
    expect(parseSignatureHeader(header)).toMatchObject({ ok: false, code: 'MISSING_SIGNATURE' });
  });
});

describe('normalizeSecrets', () => {
  it('accepts one secret or a list', () => {
    expect(normalizeSecrets('a')).toEqual(['a']);
    expect(normalizeSecrets(['a', 'b'])).toEqual(['a', 'b']);
  });

  it.each([
    ['an empty list', []],
    ['an empty secret', ''],
    ['an empty secret in the list', ['a', '']],
    ['a trailing newline', 'whsec_x\n'],
    ['a leading space', [' whsec_x']],
    ['a non-string', [42 as unknown as string]],
  ])('throws a TypeError for %s', (_name, secret) => {
    expect(() => normalizeSecrets(secret)).toThrow(TypeError);
  });

  it.each([
    ['a String object', new String('whsec_x')],
    ['a list holding a String object', [new String('whsec_x')]],
    ['a Set of strings', new Set(['whsec_x'])],
    ['a number', 42],
  ])('throws a TypeError for %s instead of spreading it into one-character secrets', (_name, secret) => {
    expect(() => normalizeSecrets(secret)).toThrow(TypeError);
  });

  it('names the `secret` option and ARMALO_WEBHOOK_SECRET when it is missing', () => {
    for (const secret of [undefined, null]) {
      expect(() => normalizeSecrets(secret)).toThrow(TypeError);
      expect(() => normalizeSecrets(secret)).toThrow(/`secret` option.*ARMALO_WEBHOOK_SECRET/s);
    }
  });

  it('does not echo the secret in the error', () => {
    expect(() => normalizeSecrets('whsec_do_not_print \n')).toThrow(/secret #0/);
    try {
      normalizeSecrets('whsec_do_not_print \n');
    } catch (error) {
      expect(String(error)).not.toContain('whsec_do_not_print');
    }
  });
});

describe('createVerifier (node:crypto backend)', () => {
  describe.each(vectors.bodies)('vector $name', (v) => {
    const body = bodyBytes(v);

    it('verifies the openssl signature over the bytes', async () => {
      expect(await createVerifier({ secret: current }).verify(body, v.hmac[0])).toEqual({ ok: true, secretIndex: 0 });
    });

    it('reports the rotated secret index', async () => {
      const verifier = createVerifier({ secret: [current, previous] });
      expect(await verifier.verify(body, v.hmac[1])).toEqual({ ok: true, secretIndex: 1 });
      expect(await verifier.verify(body, v.hmac[0])).toEqual({ ok: true, secretIndex: 0 });
    });

    it('rejects a signature under another secret', async () => {
      expect(await createVerifier({ secret: current }).verify(body, v.hmac[1])).toMatchObject({
        ok: false,
        code: 'INVALID_SIGNATURE',
      });
    });

    it('accepts the bytes as an ArrayBuffer too', async () => {
      const copy = body.slice().buffer;
      expect(await createVerifier({ secret: current }).verify(copy, v.hmac[0])).toEqual({ ok: true, secretIndex: 0 });
    });
  });

  it('verifies on Node synchronously (no promise allocated)', () => {
    const outcome = createVerifier({ secret: current }).verify(plainBytes, sig);
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toEqual({ ok: true, secretIndex: 0 });
  });

  it('takes a string body as UTF-8 (emoji and BOM round-trip to the same bytes)', async () => {
    const verifier = createVerifier({ secret: current });
    for (const name of ['plain', 'pretty', 'emoji', 'bom'] as const) {
      const v = vector(name);
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bodyBytes(v));
      expect(await verifier.verify(text, v.hmac[0])).toEqual({ ok: true, secretIndex: 0 });
    }
  });

  it('fails a non-UTF-8 body once it has been decoded to a string: bytes are what is signed', async () => {
    const v = vector('non-utf8');
    const lossy = new TextDecoder().decode(bodyBytes(v));
    expect(await createVerifier({ secret: current }).verify(lossy, v.hmac[0])).toMatchObject({
      ok: false,
      code: 'INVALID_SIGNATURE',
    });
  });

  it('fails a BOM body whose BOM was stripped by a decoder', async () => {
    const v = vector('bom');
    const stripped = new TextDecoder().decode(bodyBytes(v));
    expect(stripped.charCodeAt(0)).not.toBe(0xfeff);
    expect(await createVerifier({ secret: current }).verify(stripped, v.hmac[0])).toMatchObject({ ok: false });
  });

  it.each([
    ['upper-case hex', sig.toUpperCase(), { ok: true, secretIndex: 0 }],
    ['a whitespace-trimmed header', `  ${sig}\n`, { ok: true, secretIndex: 0 }],
    ['63 characters', sig.slice(0, 63), { ok: false, code: 'MALFORMED_SIGNATURE' }],
    ['65 characters', `${sig}a`, { ok: false, code: 'MALFORMED_SIGNATURE' }],
    ['non-hex', `${sig.slice(0, 63)}z`, { ok: false, code: 'MALFORMED_SIGNATURE' }],
    ['an array header with 2 values', [sig, sig], { ok: false, code: 'MALFORMED_SIGNATURE' }],
    ['comma-joined duplicates', `${sig},${sig}`, { ok: false, code: 'MALFORMED_SIGNATURE' }],
    ['a missing header', undefined, { ok: false, code: 'MISSING_SIGNATURE' }],
  ])('header rule: %s', async (_name, header, expected) => {
    expect(await createVerifier({ secret: [current, previous] }).verify(plainBytes, header)).toMatchObject(expected);
  });

  it('throws at creation on a bad secret, not at verify time', () => {
    expect(() => createVerifier({ secret: [] })).toThrow(TypeError);
    expect(() => createVerifier({ secret: new String('whsec_x') as unknown as string })).toThrow(TypeError);
  });
});

describe('verifyWebhookSignature', () => {
  it('has the provider SDK call shape and answers a boolean', async () => {
    await expect(verifyWebhookSignature(plainBytes, sig, current)).resolves.toBe(true);
    await expect(verifyWebhookSignature(plainBytes, plain.hmac[1], current)).resolves.toBe(false);
  });

  it('throws a TypeError for a String object secret, so that a body signed with its first character never verifies', async () => {
    const secret = new String('whsec_x') as unknown as string;
    const forged = sign(plainBytes, 'w');
    expect(() => verifyWebhookSignature(plainBytes, forged, secret)).toThrow(TypeError);
    let verified: boolean;
    try {
      verified = await verifyWebhookSignature(plainBytes, forged, secret);
    } catch {
      verified = false;
    }
    expect(verified).toBe(false);
  });

  it('takes the raw body as a string, as the provider docs show', async () => {
    const text = new TextDecoder().decode(plainBytes);
    await expect(verifyWebhookSignature(text, sig, current)).resolves.toBe(true);
  });

  it('accepts a list of secrets', async () => {
    await expect(verifyWebhookSignature(plainBytes, plain.hmac[1], [current, previous])).resolves.toBe(true);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['malformed', 'abc'],
    ['a two-value array', [sig, sig]],
  ])('answers false for a %s header', async (_name, header) => {
    await expect(verifyWebhookSignature(plainBytes, header, current)).resolves.toBe(false);
  });

  it('verifies every vector, bytes and non-UTF-8 included', async () => {
    for (const v of vectors.bodies) {
      await expect(verifyWebhookSignature(bodyBytes(v), v.hmac[0], current)).resolves.toBe(true);
      await expect(verifyWebhookSignature(bodyBytes(v), v.hmac[1], previous)).resolves.toBe(true);
    }
  });

  it('does not reuse a cached verifier for a different secret list that joins to the same string', async () => {
    const body = 'payload';
    const underA = await signPayload(body, 'a');
    await expect(verifyWebhookSignature(body, underA, ['a', 'b'])).resolves.toBe(true);
    // A single secret that contains the old separator must not hit the cache entry for ['a', 'b'].
    await expect(verifyWebhookSignature(body, underA, 'a\u0000b')).resolves.toBe(false);
    await expect(verifyWebhookSignature(body, underA, '["a","b"]')).resolves.toBe(false);
    await expect(verifyWebhookSignature(body, underA, ['a\u0000b'])).resolves.toBe(false);
    await expect(verifyWebhookSignature(body, underA, 'a')).resolves.toBe(true);
  });

  it('switches secrets between calls', async () => {
    await expect(verifyWebhookSignature(plainBytes, sig, current)).resolves.toBe(true);
    await expect(verifyWebhookSignature(plainBytes, sig, previous)).resolves.toBe(false);
    await expect(verifyWebhookSignature(plainBytes, sig, current)).resolves.toBe(true);
  });
});

describe('signPayload', () => {
  it('produces the openssl signature for every vector, as lower-case hex', async () => {
    for (const v of vectors.bodies) {
      expect(await signPayload(bodyBytes(v), current)).toBe(v.hmac[0]);
      expect(await signPayload(bodyBytes(v), previous)).toBe(v.hmac[1]);
    }
  });

  it('signs a string as its UTF-8 bytes', async () => {
    const v = vector('emoji');
    expect(await signPayload(new TextDecoder().decode(bodyBytes(v)), current)).toBe(v.hmac[0]);
  });
});
