import { describe, expect, it, vi } from 'vitest';
import { createWebhookReceiver, type WebhookReceiverOptions } from '../index.js';
import { createSignedDelivery, sampleData } from '../testing/index.js';
import { createFetchHandler, handleFetchRequest, toResponse } from './index.js';

const SECRET = 'whsec_fetch_handler_0b1c';
const URL_ = 'http://127.0.0.1/webhooks/armalo';

function receiverWith(options: Partial<WebhookReceiverOptions> = {}) {
  return createWebhookReceiver({ secret: SECRET, logger: { warn: vi.fn(), error: vi.fn() }, ...options });
}

function signedRequest(event = 'score.changed', data: unknown = sampleData('score.changed')) {
  const { body, headers } = createSignedDelivery(event, data, { secret: SECRET });
  return new Request(URL_, { method: 'POST', body, headers });
}

describe('createFetchHandler', () => {
  it('answers 200 and runs the handler for a signed delivery', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const response = await createFetchHandler(receiver)(signedRequest());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0].data.compositeScore).toBe(862);
    expect(handler.mock.calls[0]![1].header('content-type')).toBe('application/json');
  });

  it('answers a duplicate on the second identical request', async () => {
    const handler = vi.fn();
    const handle = createFetchHandler(receiverWith().onAny(handler));
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    await handle(new Request(URL_, { method: 'POST', body, headers }));
    const second = await handle(new Request(URL_, { method: 'POST', body, headers }));
    expect(await second.json()).toEqual({ ok: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const response = await createFetchHandler(receiverWith())(new Request(URL_, { method: 'GET' }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('answers 415 to a non-JSON content type without reading the body', async () => {
    const request = new Request(URL_, { method: 'POST', body: 'a=1', headers: { 'content-type': 'text/plain' } });
    const response = await createFetchHandler(receiverWith())(request);
    expect(response.status).toBe(415);
    expect(request.bodyUsed).toBe(false);
  });

  it('answers 413 with Connection: close past the limit while streaming', async () => {
    const handler = vi.fn();
    const receiver = receiverWith({ maxBodyBytes: 64 }).onAny(handler);
    const { body, headers } = createSignedDelivery('eval.failed', { pad: 'x'.repeat(100) }, { secret: SECRET });
    const response = await createFetchHandler(receiver)(new Request(URL_, { method: 'POST', body, headers }));
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 64 } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 401 for a bad signature', async () => {
    const { body } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    const request = new Request(URL_, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-armalo-signature': '0'.repeat(64) },
    });
    const response = await createFetchHandler(receiverWith())(request);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('answers 500 RAW_BODY_UNAVAILABLE, naming the fix, for a body already read', async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const receiver = createWebhookReceiver({ secret: SECRET, logger });
    const request = signedRequest();
    await request.text();
    const response = await createFetchHandler(receiver)(request);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: string };
    expect(body).toMatchObject({ code: 'RAW_BODY_UNAVAILABLE' });
    expect(body.error).toMatch(/untouched Request/);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('answers 503 SERVER_BUSY when every body slot is taken, and frees its slot after reading', async () => {
    const receiver = receiverWith({ maxConcurrentBodies: 1 });
    const release = receiver.acquireBodySlot()!;
    const busy = await createFetchHandler(receiver)(signedRequest());
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await busy.json()).toMatchObject({ code: 'SERVER_BUSY' });
    release();
    expect((await createFetchHandler(receiver)(signedRequest())).status).toBe(200);
    expect((await createFetchHandler(receiver)(signedRequest('eval.failed', { n: 2 }))).status).toBe(200);
  });

  it('answers 408 with Connection: close when the body does not arrive in time', async () => {
    const receiver = receiverWith({ bodyTimeoutMs: 30 });
    const stream = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const request = new Request(URL_, {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    } as RequestInit);
    const response = await createFetchHandler(receiver)(request);
    expect(response.status).toBe(408);
    expect(response.headers.get('connection')).toBe('close');
  });
});

describe('handleFetchRequest', () => {
  it('returns the result beside the response and passes context to handlers', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const { response, result } = await handleFetchRequest(receiver, signedRequest(), {
      context: { runtime: 'test' } as never,
    });
    expect(response.status).toBe(result.status);
    expect(result.meta.event).toBe('score.changed');
    expect(handler.mock.calls[0]![1].runtime).toBe('test');
  });
});

describe('toResponse', () => {
  it('writes status, headers and the JSON body', async () => {
    const response = toResponse({ status: 409, headers: { 'retry-after': '3' }, body: { ok: true }, meta: {} });
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.text()).toBe('{"ok":true}');
  });
});
