import { describe, expect, it, vi } from 'vitest';
import { createWebhookReceiver, type WebhookReceiverOptions } from '../index.js';
import { createUncheckedDelivery, sampleData } from '../testing/index.js';
import { createFetchHandler, toResponse } from './index.js';

// What the conformance table cannot see: ctx, what is read, what is logged. Status codes are the
// table's (test/conformance).

const SECRET = 'whsec_fetch_handler_0b1c';
const URL_ = 'http://127.0.0.1/webhooks/armalo';

function receiverWith(options: Partial<WebhookReceiverOptions> = {}) {
  return createWebhookReceiver({ secret: SECRET, logger: { warn: vi.fn(), error: vi.fn() }, ...options });
}

function signedRequest(event = 'score.changed', data: unknown = sampleData('score.changed')) {
  const { body, headers } = createUncheckedDelivery(event, data, { secret: SECRET });
  return new Request(URL_, { method: 'POST', body, headers });
}

describe('createFetchHandler', () => {
  it('gives handlers the parsed event and the request headers through ctx', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const response = await createFetchHandler(receiver)(signedRequest());
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ ok: true });
    expect(handler.mock.calls[0]![0].data.compositeScore).toBe(862);
    expect(handler.mock.calls[0]![1].header('content-type')).toBe('application/json');
  });

  it('refuses a non-JSON content type without reading the body', async () => {
    const request = new Request(URL_, { method: 'POST', body: 'a=1', headers: { 'content-type': 'text/plain' } });
    const response = await createFetchHandler(receiverWith())(request);
    expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(request.bodyUsed).toBe(false);
  });

  it('stops reading a streamed body as soon as it crosses the limit', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024).fill(0x20));
      },
    });
    const request = new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = await createFetchHandler(receiverWith({ maxBodyBytes: 4096 }))(request);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 4096 } });
    expect(pulled).toBeLessThan(10);
  });

  it('logs a body already read once per receiver, naming the fix', async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const handle = createFetchHandler(createWebhookReceiver({ secret: SECRET, logger }));
    for (const read of [(r: Request) => r.text(), (r: Request) => r.json()]) {
      const request = signedRequest();
      await read(request);
      const answer = (await (await handle(request)).json()) as { code: string; details: { fix: string } };
      expect(answer.code).toBe('RAW_BODY_UNAVAILABLE');
      expect(answer.details.fix).toMatch(/untouched Request/);
    }
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});

describe('toResponse', () => {
  it('writes status, headers and the JSON body as they are', async () => {
    const response = toResponse({ status: 409, headers: { 'retry-after': '3' }, body: { ok: true }, meta: {} });
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.text()).toBe('{"ok":true}');
  });
});
