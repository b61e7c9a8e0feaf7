import { describe, expect, it, vi } from 'vitest';
import { bodyBytes, vector, vectors } from '../fixtures/vectors.js';

// Run the public verifier API and receive() on the Web Crypto backend, the one Edge runtimes and
// Workers resolve `#crypto` to, with the same OpenSSL vectors as the node:crypto tests.
vi.mock('#crypto', async () => await import('./crypto/web.js'));

const { createVerifier, signPayload, verifyWebhookSignature } = await import('./signature.js');
const { createWebhookReceiver } = await import('../receiver/receiver.js');
const backend = await import('#crypto');

const [current, previous] = vectors.secrets;

describe('on the Web Crypto backend', () => {
  it('is really the Web Crypto backend', () => {
    expect((backend as { name?: string }).name).toBe('web-crypto');
  });

  it('createVerifier answers a promise with the matching index', async () => {
    const v = vector('plain');
    const outcome = createVerifier({ secret: [current, previous] }).verify(bodyBytes(v), v.hmac[1]);
    expect(outcome).toBeInstanceOf(Promise);
    expect(await outcome).toEqual({ ok: true, secretIndex: 1 });
  });

  describe.each(vectors.bodies)('vector $name', (v) => {
    const body = bodyBytes(v);

    it('verifyWebhookSignature accepts the openssl signature, rotation and upper case included', async () => {
      await expect(verifyWebhookSignature(body, v.hmac[0], current)).resolves.toBe(true);
      await expect(verifyWebhookSignature(body, v.hmac[1].toUpperCase(), [current, previous])).resolves.toBe(true);
      await expect(verifyWebhookSignature(body, v.hmac[1], current)).resolves.toBe(false);
    });

    it('signPayload reproduces the openssl signature', async () => {
      expect(await signPayload(body, current)).toBe(v.hmac[0]);
      expect(await signPayload(body, previous)).toBe(v.hmac[1]);
    });
  });

  it.each([
    ['63 characters', vector('plain').hmac[0].slice(1), 'MALFORMED_SIGNATURE'],
    ['65 characters', `${vector('plain').hmac[0]}f`, 'MALFORMED_SIGNATURE'],
    ['non-hex', `${vector('plain').hmac[0].slice(1)}x`, 'MALFORMED_SIGNATURE'],
    ['two values', [vector('plain').hmac[0], vector('plain').hmac[0]], 'MALFORMED_SIGNATURE'],
    ['missing', undefined, 'MISSING_SIGNATURE'],
  ])('refuses a header with %s before any HMAC', async (_name, header, code) => {
    expect(await createVerifier({ secret: current }).verify(bodyBytes(vector('plain')), header)).toMatchObject({
      ok: false,
      code,
    });
  });

  it('receive() verifies, parses and dispatches with the Web Crypto backend', async () => {
    const receiver = createWebhookReceiver({ secret: [current, previous], tolerance: false, logger: silent() });
    const seen: unknown[] = [];
    receiver.onAny((event, ctx) => {
      seen.push([event.event, ctx.secretIndex, ctx.idempotencyKey]);
    });
    const expected: Record<string, string | undefined> = {
      plain: undefined,
      pretty: undefined,
      emoji: undefined,
      bom: undefined,
      'non-utf8': 'INVALID_JSON',
      empty: 'INVALID_JSON',
    };
    for (const v of vectors.bodies) {
      const result = await receiver.receive({
        rawBody: bodyBytes(v),
        headers: { 'content-type': 'application/json', 'x-armalo-signature': v.hmac[1] },
      });
      expect((result.body as { code?: string }).code, v.name).toBe(expected[v.name]);
      if (expected[v.name] === undefined) {
        // The key is scoped by a fingerprint of the secret that verified it (Web Crypto computes it later).
        expect(result.meta).toMatchObject({
          secretIndex: 1,
          idempotencyKey: expect.stringMatching(`^[0-9a-f]{16}:${v.hmac[1].slice(0, 32)}$`),
        });
      }
    }
    const scoped = (name: Parameters<typeof vector>[0]) =>
      expect.stringMatching(`^[0-9a-f]{16}:${vector(name).hmac[1].slice(0, 32)}$`);
    expect(seen).toEqual([
      ['score.changed', 1, scoped('plain')],
      ['eval.completed', 1, scoped('pretty')],
      ['pact.violated', 1, scoped('emoji')],
      ['eval.failed', 1, scoped('bom')],
    ]);
  });

  it('receive() answers INVALID_SIGNATURE for a wrong signature', async () => {
    const receiver = createWebhookReceiver({ secret: current, tolerance: false, logger: silent() });
    const v = vector('plain');
    const result = await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[1] } });
    expect(result.body).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });
});

function silent() {
  return { warn: vi.fn(), error: vi.fn() };
}
