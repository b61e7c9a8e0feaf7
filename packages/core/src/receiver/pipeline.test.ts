import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_FUTURE_MS,
  DEFAULT_PAST_MS,
  delivery,
  expectCode,
  keyFor,
  rawDelivery,
  receiverWith,
  scopeOf,
  silentLogger,
} from '../fixtures/receiver.js';
import { bodyBytes, vector, vectors } from '../fixtures/vectors.js';
import { createWebhookReceiver } from '../index.js';
import { sampleData } from '../testing/index.js';

describe('receive(): a valid delivery', () => {
  it('answers { ok: true } and runs the handler with the parsed event', async () => {
    const receiver = receiverWith();
    const handler = vi.fn();
    receiver.on('score.changed', handler);
    const input = delivery('score.changed', sampleData('score.changed'), { timestamp: new Date() });
    const result = await receiver.receive(input);
    expect(result.body).toEqual({ ok: true });
    expect(result.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    expect(result.meta).toMatchObject({
      event: 'score.changed',
      secretIndex: 0,
      idempotencyKey: keyFor(input.rawBody),
    });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0]).toEqual(JSON.parse(input.rawBody));
  });

  it.each([
    ['a Uint8Array', (s: string) => new TextEncoder().encode(s)],
    ['a Buffer', (s: string) => Buffer.from(s)],
    ['an ArrayBuffer', (s: string) => new TextEncoder().encode(s).buffer],
    ['a string', (s: string) => s],
  ])('accepts the raw body as %s', async (_name, convert) => {
    const receiver = receiverWith();
    const handler = vi.fn();
    receiver.on('eval.completed', handler);
    const input = delivery('eval.completed', sampleData('eval.completed'));
    const result = await receiver.receive({ ...input, rawBody: convert(input.rawBody) });
    expect(result.body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('reads headers from a fetch Headers object', async () => {
    const receiver = receiverWith();
    const handler = vi.fn();
    receiver.on('eval.failed', handler);
    const input = delivery('eval.failed', {});
    const result = await receiver.receive({ rawBody: input.rawBody, headers: new Headers(input.headers as never) });
    expect(result.body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('reads headers from a plain record whose keys are not lower-cased', async () => {
    const receiver = receiverWith();
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    const result = await receiver.receive({
      rawBody: input.rawBody,
      headers: { 'Content-Type': 'application/json', 'X-Armalo-Signature': signature },
    });
    expect(result.body).toEqual({ ok: true });
  });

  it('accepts a missing Content-Type and any JSON content type', async () => {
    for (const contentType of [
      undefined,
      'application/json; charset=UTF-8',
      'Application/JSON',
      'application/vnd.armalo+json',
    ]) {
      const input = delivery('eval.failed', {});
      const headers: Record<string, string | string[]> = { 'x-armalo-signature': input.headers['x-armalo-signature']! };
      if (contentType !== undefined) headers['content-type'] = contentType;
      const result = await receiverWith().receive({ rawBody: input.rawBody, headers });
      expect(result.body, String(contentType)).toEqual({ ok: true });
    }
  });

  it('accepts method POST in any case, and Content-Encoding identity', async () => {
    const input = delivery('eval.failed', {});
    expect((await receiverWith().receive({ ...input, method: 'post' })).body).toEqual({ ok: true });
    const identity = delivery('eval.failed', { n: 1 });
    identity.headers['content-encoding'] = 'identity';
    expect((await receiverWith().receive({ ...identity, method: 'POST' })).body).toEqual({ ok: true });
  });
});

describe('receive(): the checks before the handlers', () => {
  it('METHOD_NOT_ALLOWED for any method but POST, when a method is given, and no handler runs', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    for (const method of ['GET', 'PUT', 'HEAD']) {
      const result = await receiver.receive({ ...delivery('eval.failed', {}), method });
      expectCode(result, 'METHOD_NOT_ALLOWED');
      expect(result.headers.allow).toBe('POST');
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('UNSUPPORTED_MEDIA_TYPE for a non-JSON content type', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'text/json']) {
      const input = delivery('eval.failed', {});
      input.headers['content-type'] = contentType;
      expectCode(await receiverWith().receive(input), 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('UNSUPPORTED_MEDIA_TYPE for a Content-Encoding (the signature covers the bytes as sent)', async () => {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const input = delivery('eval.failed', {});
      input.headers['content-encoding'] = encoding;
      const result = await receiverWith().receive(input);
      expectCode(result, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('PAYLOAD_TOO_LARGE past maxBodyBytes, with the limit in details', async () => {
    const input = delivery('eval.failed', { padding: 'x'.repeat(200) });
    const size = Buffer.byteLength(input.rawBody);
    const handler = vi.fn();
    const over = receiverWith({ maxBodyBytes: size - 1 }).onAny(handler);
    const result = await over.receive(input);
    expectCode(result, 'PAYLOAD_TOO_LARGE');
    expect(result.body).toMatchObject({ details: { limit: size - 1 } });
    expect(handler).not.toHaveBeenCalled();
    expect((await receiverWith({ maxBodyBytes: size }).receive(input)).body).toEqual({ ok: true });
  });

  it('PAYLOAD_TOO_LARGE from a declared Content-Length, before looking at the body', async () => {
    const input = delivery('eval.failed', {});
    input.headers['content-length'] = '2048';
    const result = await receiverWith({ maxBodyBytes: 1024 }).receive(input);
    expectCode(result, 'PAYLOAD_TOO_LARGE');
    expect(result.body).toMatchObject({ details: { limit: 1024 } });
  });

  it('the size limit counts bytes, not characters', async () => {
    const input = delivery('eval.failed', { note: '🚀'.repeat(10) });
    const chars = input.rawBody.length;
    const bytes = Buffer.byteLength(input.rawBody);
    expect(bytes).toBeGreaterThan(chars);
    expectCode(await receiverWith({ maxBodyBytes: chars }).receive(input), 'PAYLOAD_TOO_LARGE');
  });

  it('MISSING_SIGNATURE', async () => {
    const input = delivery('eval.failed', {});
    delete input.headers['x-armalo-signature'];
    expectCode(await receiverWith().receive(input), 'MISSING_SIGNATURE');
  });

  it('MALFORMED_SIGNATURE for bad length, non-hex, two values and comma-joined repeats', async () => {
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    for (const header of [
      signature.slice(1),
      `${signature}0`,
      `${signature.slice(1)}g`,
      [signature, signature],
      `${signature}, ${signature}`,
      `sha256=${signature}`,
    ]) {
      const result = await receiverWith().receive({
        ...input,
        headers: { ...input.headers, 'x-armalo-signature': header },
      });
      expectCode(result, 'MALFORMED_SIGNATURE');
    }
  });

  it('MALFORMED_SIGNATURE for a repeated header in a fetch Headers (joined with ", ")', async () => {
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('x-armalo-signature', signature);
    headers.append('x-armalo-signature', signature);
    expectCode(await receiverWith().receive({ rawBody: input.rawBody, headers }), 'MALFORMED_SIGNATURE');
  });

  it('INVALID_SIGNATURE for another secret, a changed body, and a signature over the re-serialized JSON', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    expectCode(
      await receiver.receive(delivery('eval.failed', {}, { secret: 'whsec_someone_else' })),
      'INVALID_SIGNATURE',
    );
    const input = delivery('eval.failed', { amount: 1 });
    expectCode(
      await receiver.receive({ ...input, rawBody: input.rawBody.replace('"amount":1', '"amount":2') }),
      'INVALID_SIGNATURE',
    );
    const pretty = JSON.stringify(JSON.parse(input.rawBody), null, 2);
    expectCode(await receiver.receive({ ...input, rawBody: pretty }), 'INVALID_SIGNATURE');
    expect(handler).not.toHaveBeenCalled();
  });

  it('accepts an upper-case, whitespace-padded signature', async () => {
    const input = delivery('eval.failed', {});
    const signature = input.headers['x-armalo-signature'] as string;
    const result = await receiverWith().receive({
      ...input,
      headers: { ...input.headers, 'x-armalo-signature': `  ${signature.toUpperCase()}\t` },
    });
    expect(result.body).toEqual({ ok: true });
  });

  it('TIMESTAMP_OUT_OF_TOLERANCE with the window in details', async () => {
    const result = await receiverWith().receive(
      delivery('eval.failed', {}, { timestamp: new Date(Date.now() - DEFAULT_PAST_MS - 60_000) }),
    );
    expectCode(result, 'TIMESTAMP_OUT_OF_TOLERANCE');
    expect(result.body).toMatchObject({ details: { pastMs: DEFAULT_PAST_MS, futureMs: DEFAULT_FUTURE_MS } });
  });

  it('INVALID_JSON for a signed body that is not JSON', async () => {
    for (const body of ['not json', '{"event":', '', '\u0000']) {
      expectCode(await receiverWith().receive(rawDelivery(body)), 'INVALID_JSON');
    }
  });

  it('INVALID_JSON for signed bytes that are not UTF-8 (after the signature passed over the bytes)', async () => {
    const v = vector('non-utf8');
    const receiver = createWebhookReceiver({ secret: vectors.secrets[0], tolerance: false, logger: silentLogger() });
    const result = await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[0] } });
    expectCode(result, 'INVALID_JSON');
    expect(result.meta.secretIndex).toBe(0);
  });

  it.each([
    ['no event', { timestamp: '2026-03-16T10:05:00.000Z', data: {} }],
    ['an empty event name', { event: '', timestamp: '2026-03-16T10:05:00.000Z', data: {} }],
    ['a numeric event', { event: 1, timestamp: '2026-03-16T10:05:00.000Z', data: {} }],
    ['no timestamp', { event: 'eval.failed', data: {} }],
    ['a timestamp that is not ISO-8601', { event: 'eval.failed', timestamp: 'March 16, 2026', data: {} }],
    ['an epoch-number timestamp', { event: 'eval.failed', timestamp: 1773655500000, data: {} }],
    ['an impossible date', { event: 'eval.failed', timestamp: '2026-02-30T10:00:00Z', data: {} }],
    ['no data', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z' }],
    ['data null', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z', data: null }],
    ['data an array', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z', data: [] }],
    ['data a string', { event: 'eval.failed', timestamp: '2026-03-16T10:05:00.000Z', data: 'x' }],
    ['a JSON array', [1, 2]],
    ['a JSON string', 'score.changed'],
    ['JSON null', null],
  ])('INVALID_ENVELOPE for %s', async (_name, envelope) => {
    const handler = vi.fn();
    const receiver = receiverWith({ tolerance: false }).onAny(handler).onUnknown(handler);
    const result = await receiver.receive(rawDelivery(JSON.stringify(envelope)));
    expectCode(result, 'INVALID_ENVELOPE');
    expect((result.body as { details?: { issues?: unknown[] } }).details?.issues?.length).toBeGreaterThan(0);
    expect(handler).not.toHaveBeenCalled();
  });

  it('INVALID_EVENT_DATA for score.changed without compositeScore, naming the field', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const { compositeScore: _omitted, ...data } = sampleData('score.changed');
    const result = await receiver.receive(delivery('score.changed', data));
    expectCode(result, 'INVALID_EVENT_DATA');
    expect(result.body).toMatchObject({
      details: { event: 'score.changed', issues: [expect.objectContaining({ path: 'compositeScore' })] },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['compositeScore as a string', { ...sampleData('score.changed'), compositeScore: '862' }, 'compositeScore'],
    [
      'a missing dimension',
      { ...sampleData('score.changed'), dimensions: { ...sampleData('score.changed').dimensions, safety: undefined } },
      'dimensions.safety',
    ],
  ])('INVALID_EVENT_DATA for %s', async (_name, data, path) => {
    const result = await receiverWith().receive(delivery('score.changed', data));
    expectCode(result, 'INVALID_EVENT_DATA');
    expect(result.body).toMatchObject({ details: { issues: [expect.objectContaining({ path })] } });
  });

  it('INVALID_EVENT_DATA for eval.completed with passed as a string', async () => {
    const result = await receiverWith().receive(
      delivery('eval.completed', { ...sampleData('eval.completed'), passed: 'true' }),
    );
    expectCode(result, 'INVALID_EVENT_DATA');
  });

  it('accepts undocumented events with any data object, requiring no field', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('pact.violated', handler);
    expect((await receiver.receive(delivery('pact.violated', {}))).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('UNKNOWN_EVENT when unknownEvents is reject', async () => {
    const unknown = vi.fn();
    const receiver = receiverWith({ unknownEvents: 'reject' }).onUnknown(unknown);
    const result = await receiver.receive(delivery('brand.new_event', { a: 1 }));
    expectCode(result, 'UNKNOWN_EVENT');
    expect(result.body).toMatchObject({ details: { event: 'brand.new_event' } });
    expect(unknown).not.toHaveBeenCalled();
  });

  it('acknowledges an unknown event by default and calls the onUnknown hook, not onAny', async () => {
    const unknown = vi.fn();
    const any = vi.fn();
    const receiver = receiverWith().onUnknown(unknown).onAny(any);
    const input = delivery('brand.new_event', { a: 1, nested: { b: [1, 2] } });
    const result = await receiver.receive(input);
    expect(result.body).toEqual({ ok: true });
    expect(result.body).toEqual({ ok: true });
    expect(result.meta).toMatchObject({ event: 'brand.new_event', unknownEvent: true });
    expect(unknown).toHaveBeenCalledTimes(1);
    expect(unknown.mock.calls[0]![0]).toEqual(JSON.parse(input.rawBody));
    expect(any).not.toHaveBeenCalled();
  });

  it('an unknown event is not made known by an inherited property name', async () => {
    const unknown = vi.fn();
    const receiver = receiverWith().onUnknown(unknown);
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect((await receiver.receive(delivery(name, {}))).body).toEqual({ ok: true });
    }
    expect(unknown).toHaveBeenCalledTimes(4);
  });
});

describe('receive(): events reach handlers unchanged', () => {
  it('passes extra envelope fields and extra data fields through, never stripped', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const data = {
      ...sampleData('score.changed'),
      newField: { list: [1, 'two', null], flag: false },
      dimensions: { ...sampleData('score.changed').dimensions, novelty: 0.5 },
    };
    const input = delivery('score.changed', data, { extra: { deliveryId: 'dlv_1', apiVersion: 2 } });
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    const event = handler.mock.calls[0]![0];
    expect(event).toEqual(JSON.parse(input.rawBody));
    expect(event.deliveryId).toBe('dlv_1');
    expect(event.data.newField).toEqual({ list: [1, 'two', null], flag: false });
    expect(event.data.dimensions.novelty).toBe(0.5);
  });

  it('passes eval.completed extras and undocumented event data through', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on(['eval.completed', 'escrow.released'], handler);
    const evalData = { ...sampleData('eval.completed'), durationMs: 1234 };
    const escrowData = { escrowId: 'esc_1', amount: '1.00', deep: { a: [{ b: 1 }] } };
    await receiver.receive(delivery('eval.completed', evalData));
    await receiver.receive(delivery('escrow.released', escrowData));
    expect(handler.mock.calls.map(([event]) => event.data)).toEqual([evalData, escrowData]);
  });

  it('routes legacy names with on(), data untouched', async () => {
    const handler = vi.fn();
    const unknown = vi.fn();
    const receiver = receiverWith().on('deal.accepted', handler).onUnknown(unknown);
    const data = { dealId: 'deal_1', anything: [1, { two: 2 }] };
    const result = await receiver.receive(delivery('deal.accepted', data));
    expect(result.body).toEqual({ ok: true });
    expect(result.meta.unknownEvent).toBeUndefined();
    expect(handler.mock.calls[0]![0]).toMatchObject({ event: 'deal.accepted', data });
    expect(unknown).not.toHaveBeenCalled();
  });

  it("a wildcard runs for today's names only: 'pact.*' skips pact.created and pact.verified, onAny does not", async () => {
    const wildcard = vi.fn();
    const exact = vi.fn();
    const any = vi.fn();
    const receiver = receiverWith().on('pact.*', wildcard).on('pact.verified', exact).onAny(any);
    for (const name of ['pact.violated', 'pact.created', 'pact.verified'] as const) {
      expect((await receiver.receive(delivery(name, { pactId: 'p_1' }))).status).toBe(200);
    }
    expect(wildcard.mock.calls.map(([event]) => event.event)).toEqual(['pact.violated']);
    expect(exact.mock.calls.map(([event]) => event.event)).toEqual(['pact.verified']);
    expect(any.mock.calls.map(([event]) => event.event)).toEqual(['pact.violated', 'pact.created', 'pact.verified']);
  });

  it('a legacy name given a schema is matched by wildcards', async () => {
    const wildcard = vi.fn();
    const receiver = receiverWith({ schemas: { 'pact.created': z.looseObject({ pactId: z.string() }) } }).on(
      'pact.*',
      wildcard,
    );
    await receiver.receive(delivery('pact.created', { pactId: 'p_1' }));
    expect(wildcard.mock.calls.map(([event]) => event.event)).toEqual(['pact.created']);
  });

  it('decodes multibyte UTF-8 and strips a BOM before parsing', async () => {
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: vectors.secrets, tolerance: false, logger: silentLogger() }).onAny(
      handler,
    );
    for (const name of ['emoji', 'bom', 'pretty', 'plain'] as const) {
      const v = vector(name);
      const result = await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[1] } });
      expect(result.body, name).toEqual({ ok: true });
      expect(result.meta).toMatchObject({
        secretIndex: 1,
        idempotencyKey: `${scopeOf(vectors.secrets[1])}:${v.hmac[1].slice(0, 32)}`,
      });
    }
    expect(handler.mock.calls[0]![0].data).toEqual({ agentId: 'agent_✓', note: 'café 🚀 日本語' });
    expect(handler.mock.calls[1]![0]).toEqual({
      event: 'eval.failed',
      timestamp: '2026-03-16T10:05:00.000Z',
      data: { evalId: 'eval_bom' },
    });
  });

  it('an empty signed body is INVALID_JSON', async () => {
    const v = vector('empty');
    const receiver = createWebhookReceiver({ secret: vectors.secrets[0], logger: silentLogger() });
    expectCode(
      await receiver.receive({ rawBody: bodyBytes(v), headers: { 'x-armalo-signature': v.hmac[0] } }),
      'INVALID_JSON',
    );
  });
});
