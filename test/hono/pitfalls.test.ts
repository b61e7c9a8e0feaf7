import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData, sign } from '@armalo-webhooks/core/testing';
import { describe, expect, it } from 'vitest';
import { type BodyFirst, buildApp, WEBHOOK_PATH } from './app.js';

const SECRET = 'whsec_hono_pitfalls';

function setup(first: BodyFirst) {
  const receiver: WebhookReceiver = createWebhookReceiver({ secret: SECRET, logger: { warn() {}, error() {} } });
  const seen: { event: string; requestId: string | undefined }[] = [];
  receiver.onAny((event, ctx) => {
    seen.push({ event: event.event, requestId: ctx.hono?.req.header('x-request-id') });
  });
  return { app: buildApp(receiver, first), seen };
}

function post(body: Uint8Array | string, headers: Record<string, string>) {
  return { method: 'POST', headers, body };
}

describe('hono: a body read before the adapter', () => {
  it.each(['json', 'text'] as const)(
    'c.req.%s() in a middleware first: 500 RAW_BODY_UNAVAILABLE naming the fix, no handler runs',
    async (first) => {
      const { app, seen } = setup(first);
      const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
      const response = await app.request(WEBHOOK_PATH, post(delivery.body, delivery.headers));
      expect(response.status).toBe(500);
      const body = (await response.json()) as { code: string; details: { fix: string } };
      expect(body.code).toBe('RAW_BODY_UNAVAILABLE');
      expect(body.details.fix).toContain('c.req.json()');
      expect(seen).toEqual([]);
    },
  );

  it('c.req.arrayBuffer() first: the cached bytes verify even with a BOM, which a text re-read would drop', async () => {
    const { app, seen } = setup('arrayBuffer');
    const json = createSignedDelivery('eval.completed', sampleData('eval.completed'), { secret: SECRET }).body;
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(json)]);
    const headers = { 'content-type': 'application/json', 'x-armalo-signature': sign(Buffer.from(bytes), SECRET) };
    const response = await app.request(WEBHOOK_PATH, post(bytes, { ...headers, 'x-request-id': 'req_1' }));
    expect([response.status, await response.json()]).toEqual([200, { ok: true }]);
    expect(seen).toEqual([{ event: 'eval.completed', requestId: 'req_1' }]);
  });

  it('the same BOM body after c.req.json() is refused rather than verified over re-encoded text', async () => {
    const { app } = setup('json');
    const json = createSignedDelivery('eval.completed', sampleData('eval.completed'), { secret: SECRET }).body;
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(json)]);
    const headers = { 'content-type': 'application/json', 'x-armalo-signature': sign(Buffer.from(bytes), SECRET) };
    const response = await app.request(WEBHOOK_PATH, post(bytes, headers));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { code: string }).code).toBe('RAW_BODY_UNAVAILABLE');
  });
});
