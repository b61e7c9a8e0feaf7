import { describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, LEGACY_EVENT_NAMES } from '../events/catalog.js';
import { bodyBytes, vectors } from '../fixtures/vectors.js';
import { createWebhookReceiver } from '../receiver/receiver.js';
import { createSignedDelivery, createUncheckedDelivery, sampleData, sign } from './index.js';

const SECRET = 'whsec_testing_kit';

describe('sign', () => {
  it('matches the openssl vectors, over bytes and over UTF-8 strings', () => {
    for (const v of vectors.bodies) {
      expect(sign(bodyBytes(v), vectors.secrets[0]), v.name).toBe(v.hmac[0]);
      expect(sign(bodyBytes(v), vectors.secrets[1]), v.name).toBe(v.hmac[1]);
    }
    const emoji = vectors.bodies.find((v) => v.name === 'emoji')!;
    expect(sign(new TextDecoder().decode(bodyBytes(emoji)), vectors.secrets[0])).toBe(emoji.hmac[0]);
  });
});

describe('createSignedDelivery', () => {
  it('builds the envelope, signs the exact body and returns the headers', () => {
    const delivery = createSignedDelivery(
      'eval.failed',
      { evalId: 'e1' },
      {
        secret: SECRET,
        timestamp: '2026-03-16T10:00:00.000Z',
      },
    );
    expect(JSON.parse(delivery.body)).toEqual({
      event: 'eval.failed',
      timestamp: '2026-03-16T10:00:00.000Z',
      data: { evalId: 'e1' },
    });
    expect(delivery.signature).toBe(sign(delivery.body, SECRET));
    expect(delivery.headers).toEqual({ 'content-type': 'application/json', 'x-armalo-signature': delivery.signature });
  });

  it('stamps the current time by default and takes a Date', () => {
    const before = Date.now();
    const now = JSON.parse(createSignedDelivery('eval.failed', {}, { secret: SECRET }).body).timestamp;
    expect(Date.parse(now)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(now)).toBeLessThanOrEqual(Date.now());
    const fixed = createSignedDelivery('eval.failed', {}, { secret: SECRET, timestamp: new Date(0) });
    expect(JSON.parse(fixed.body).timestamp).toBe('1970-01-01T00:00:00.000Z');
  });

  it('sends the catalog sample when data is left out, and says what it sent', () => {
    const delivery = createSignedDelivery('eval.completed', { secret: SECRET, timestamp: '2026-03-16T10:00:00.000Z' });
    expect(delivery.data).toEqual(sampleData('eval.completed'));
    expect(JSON.parse(delivery.body)).toEqual({
      event: delivery.event,
      timestamp: delivery.timestamp,
      data: sampleData('eval.completed'),
    });
    expect(delivery.signature).toBe(sign(delivery.body, SECRET));
  });

  it('adds extra top-level fields', () => {
    const delivery = createSignedDelivery('eval.failed', {}, { secret: SECRET, extra: { deliveryId: 'd1' } });
    expect(JSON.parse(delivery.body).deliveryId).toBe('d1');
  });
});

describe('the host shapes carry the exact signed bytes', () => {
  const receiver = createWebhookReceiver({ secret: SECRET });
  const delivery = createSignedDelivery('score.changed', sampleData('score.changed', { agentId: 'agent_é' }), {
    secret: SECRET,
  });

  it('toRequest: a POST whose body is the signed string', async () => {
    const request = delivery.toRequest('http://localhost/webhooks/armalo');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://localhost/webhooks/armalo');
    expect(Object.fromEntries(request.headers)).toEqual(delivery.headers);
    const rawBody = new Uint8Array(await request.arrayBuffer());
    expect((await receiver.receive({ rawBody, headers: delivery.headers })).status).toBe(200);
  });

  it('toInject: method, url, headers and the signed string as payload', () => {
    expect(delivery.toInject('/webhooks/armalo')).toEqual({
      method: 'POST',
      url: '/webhooks/armalo',
      headers: delivery.headers,
      payload: delivery.body,
    });
  });

  it('toLambdaEvent: a payload 2.0 event, as text or base64', async () => {
    const text = delivery.toLambdaEvent({ path: '/webhooks/armalo' });
    expect(text).toMatchObject({
      version: '2.0',
      rawPath: '/webhooks/armalo',
      body: delivery.body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/webhooks/armalo' } },
      headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) },
    });
    const base64 = delivery.toLambdaEvent({ base64: true });
    expect(base64.isBase64Encoded).toBe(true);
    expect(base64.rawPath).toBe('/');
    const rawBody = Buffer.from(base64.body, 'base64');
    expect(rawBody.toString('utf8')).toBe(delivery.body);
    expect((await receiver.receive({ rawBody, headers: base64.headers })).status).toBe(200);
  });
});

describe('createUncheckedDelivery', () => {
  it('signs any name and any data as given, for the deliveries a receiver must refuse', async () => {
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: SECRET, unknownEvents: 'reject' }).onAny(handler);
    const unknown = createUncheckedDelivery('billing.paid', { invoiceId: 'in_1' }, { secret: SECRET });
    const wrong = createUncheckedDelivery('score.changed', { compositeScore: 'high' }, { secret: SECRET });
    for (const d of [unknown, wrong]) {
      expect(JSON.parse(d.body)).toMatchObject({ event: d.event, data: d.data });
      expect((await receiver.receive({ rawBody: d.body, headers: d.headers })).body).toHaveProperty('code');
    }
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('sampleData', () => {
  it('has a sample for each of the 22 documented events, and each one is accepted by receive()', async () => {
    expect(EVENT_NAMES).toHaveLength(22);
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: SECRET, unknownEvents: 'reject' }).onAny(handler);
    for (const name of EVENT_NAMES) {
      const data = sampleData(name);
      expect(Object.keys(data).length, name).toBeGreaterThan(0);
      const { body, headers } = createSignedDelivery(name, data, { secret: SECRET });
      const result = await receiver.receive({ rawBody: body, headers });
      expect(result.status, name).toBe(200);
    }
    expect(handler).toHaveBeenCalledTimes(22);
  });

  it('the two documented samples are verbatim from the provider docs', () => {
    expect(sampleData('score.changed')).toEqual({
      agentId: 'YOUR_AGENT_ID',
      compositeScore: 862,
      certificationTier: 'gold',
      previousScore: 847,
      dimensions: {
        accuracy: 0.93,
        reliability: 0.96,
        latency: 0.84,
        safety: 0.97,
        costEfficiency: 0.79,
        security: 0.88,
      },
    });
    expect(sampleData('eval.completed')).toEqual({
      evalId: 'eval_def456',
      agentId: 'YOUR_AGENT_ID',
      pactId: 'YOUR_PACT_ID',
      passed: true,
      checksTotal: 3,
      checksPassed: 3,
    });
  });

  it('overrides replace top-level fields and leave the rest of the sample', () => {
    const data = sampleData('score.changed', {
      compositeScore: 400,
      dimensions: { ...sampleData('score.changed').dimensions, safety: 0.1 },
    });
    expect(data).toEqual({
      ...sampleData('score.changed'),
      compositeScore: 400,
      dimensions: { ...sampleData('score.changed').dimensions, safety: 0.1 },
    });
  });

  it('legacy names get an empty object', () => {
    for (const name of LEGACY_EVENT_NAMES) expect(sampleData(name)).toEqual({});
  });

  it('returns a fresh copy every call', () => {
    const a = sampleData('score.changed');
    a.dimensions.accuracy = 0;
    expect(sampleData('score.changed').dimensions.accuracy).toBe(0.93);
  });
});
