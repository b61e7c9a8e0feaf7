import * as nodeCrypto from 'node:crypto';
import { createWebhookReceiver, verifyWebhookSignature } from '@armalo-webhooks/core';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as web from '../../packages/core/src/verify/crypto/web.js';
import {
  assertNoLeaks,
  capturingHooks,
  delivery,
  expectTableAnswer,
  PREVIOUS_SECRET,
  recordText,
  SECRET,
  sentSignature,
  sign,
  sink,
} from './harness.js';

// Count every HMAC and every constant-time compare the Node backend performs.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, createHmac: vi.fn(actual.createHmac), timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const createHmac = vi.mocked(nodeCrypto.createHmac);
const timingSafeEqual = vi.mocked(nodeCrypto.timingSafeEqual);

afterAll(() => assertNoLeaks());

function rotatingReceiver() {
  const hooks = capturingHooks();
  const receiver = createWebhookReceiver({
    secret: [SECRET, PREVIOUS_SECRET],
    idempotency: false,
    logger: hooks.logger,
    onError: hooks.onError,
  });
  receiver.onAny(() => {});
  return receiver;
}

describe('the Node backend (node:crypto)', () => {
  const receiver = rotatingReceiver();
  const d = delivery();
  beforeEach(() => {
    createHmac.mockClear();
    timingSafeEqual.mockClear();
  });

  it('the spy sees the backend (guards against a test that cannot fail)', async () => {
    const result = await receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
    expect(result.body).toEqual({ ok: true });
    expect(createHmac).toHaveBeenCalled();
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['63 hex digits', 'a'.repeat(63)],
    ['65 hex digits', 'a'.repeat(65)],
    ['128 hex digits', 'a'.repeat(128)],
    ['a non-hex digit', `${'a'.repeat(63)}g`],
    ['a sha256= prefix', `sha256=${'a'.repeat(64)}`],
    ['an inner space', `${'a'.repeat(32)} ${'a'.repeat(32)}`],
    ['full-width digits', '１'.repeat(64)],
    ['two values', ['a'.repeat(64), 'a'.repeat(64)]],
    ['a comma-joined pair', `${'a'.repeat(64)}, ${'a'.repeat(64)}`],
  ])('a malformed header (%s) is rejected before any HMAC is computed', async (_name, value) => {
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
    if (value !== undefined) headers['x-armalo-signature'] = value;
    const result = await receiver.receive({ rawBody: d.body, headers, method: 'POST' });
    expectTableAnswer(result);
    expect(result.status).toBe(401);
    expect(['MISSING_SIGNATURE', 'MALFORMED_SIGNATURE']).toContain((result.body as { code: string }).code);
    expect(createHmac).not.toHaveBeenCalled();
    expect(timingSafeEqual).not.toHaveBeenCalled();
    expect(await verifyWebhookSignature(d.body, value ?? null, [SECRET, PREVIOUS_SECRET])).toBe(false);
    expect(createHmac).not.toHaveBeenCalled();
  });

  it('a well-formed header costs the same work whichever secret matches, or none', async () => {
    const body = d.body;
    const underCurrent = sign(body, SECRET);
    const underPrevious = sign(body, PREVIOUS_SECRET);
    const wrong = sign(`${body} `, SECRET);
    for (const s of [underCurrent, underPrevious, wrong]) sentSignature(s);
    const work: { hmacs: number; compares: number; status: number; headers: string; body: string; index?: number }[] =
      [];
    for (const signature of [underCurrent, underPrevious, wrong, wrong.toUpperCase()]) {
      createHmac.mockClear();
      timingSafeEqual.mockClear();
      const result = await receiver.receive({
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-armalo-signature': signature },
        method: 'POST',
      });
      expectTableAnswer(result);
      work.push({
        hmacs: createHmac.mock.calls.length,
        compares: timingSafeEqual.mock.calls.length,
        status: result.status,
        headers: JSON.stringify(result.headers),
        body: JSON.stringify(result.body),
        ...(result.meta.secretIndex === undefined ? {} : { index: result.meta.secretIndex }),
      });
    }
    // One HMAC and one constant-time compare per configured secret, every time: no early exit.
    expect(work.map((w) => [w.hmacs, w.compares])).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    // The matched index is telemetry (result.meta), never part of what the client sees.
    expect(work.map((w) => w.index)).toEqual([0, 1, undefined, undefined]);
    expect(work[0]?.body).toBe(work[1]?.body);
    expect(work[0]?.headers).toBe(work[1]?.headers);
    expect(work[2]?.body).toBe(work[3]?.body);
    expect(work[2]?.status).toBe(401);
  });

  it('compares fixed-length 32-byte digests only', async () => {
    timingSafeEqual.mockClear();
    const wrong = sign('something else', SECRET);
    sentSignature(wrong);
    await receiver.receive({
      rawBody: d.body,
      headers: { 'content-type': 'application/json', 'x-armalo-signature': wrong },
      method: 'POST',
    });
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect((a as Uint8Array).byteLength).toBe(32);
      expect((b as Uint8Array).byteLength).toBe(32);
    }
  });
});

it('the leak scan itself catches a planted secret and a planted signature', () => {
  const saved = sink.texts.splice(0);
  try {
    recordText(`error connecting with ${SECRET.toUpperCase()}`);
    expect(() => assertNoLeaks()).toThrow(/secret leaked/);
    sink.texts.length = 0;
    const signature = sign('planted', SECRET);
    sentSignature(signature);
    recordText(`{"received":"${signature.toUpperCase()}"}`);
    expect(() => assertNoLeaks()).toThrow(/signature leaked/);
  } finally {
    sink.texts.length = 0;
    sink.texts.push(...saved);
  }
});

describe('the Web Crypto backend (crypto.subtle.verify)', () => {
  it('verifies under every secret, whichever matches', async () => {
    const verify = vi.spyOn(globalThis.crypto.subtle, 'verify');
    try {
      const keys = web.prepareKeys([SECRET, PREVIOUS_SECRET]);
      const body = new TextEncoder().encode(delivery().body);
      const outcomes: [number, number][] = [];
      for (const secret of [SECRET, PREVIOUS_SECRET, 'whsec_nobody']) {
        verify.mockClear();
        const signature = sign(body, secret);
        sentSignature(signature);
        outcomes.push([await web.matchSignature(keys, body, signature), verify.mock.calls.length]);
      }
      expect(outcomes).toEqual([
        [0, 2],
        [1, 2],
        [-1, 2],
      ]);
    } finally {
      verify.mockRestore();
    }
  });
});
