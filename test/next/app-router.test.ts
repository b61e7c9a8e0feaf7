import { createWebhookReceiver, type WebhookContext } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createRouteHandler, type RouteHandlers } from '@armalo-webhooks/next';
import { describe, expect, it, vi } from 'vitest';
import type { WireRequest } from '../conformance/cases.js';
import { SECRET } from '../conformance/fixture.js';
import { defineConformanceSuite, fromFetchResponse } from '../conformance/run.js';

const ROUTE_URL = 'http://localhost/api/webhooks/armalo';

function toRequest(request: WireRequest): Request {
  return new Request(ROUTE_URL, {
    method: request.method,
    headers: request.headers,
    body: new Uint8Array(request.body),
  });
}

/** Calls the export Next.js would call for the method: route modules are dispatched by method name. */
function dispatch(handlers: RouteHandlers, request: Request): Promise<Response> {
  const handler = handlers[request.method as keyof RouteHandlers];
  if (handler === undefined) throw new Error(`no export for ${request.method}`);
  return handler(request);
}

defineConformanceSuite('next App Router createRouteHandler, in process', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const handlers = createRouteHandler(fixture.receiver);
    return {
      async send(wire) {
        const request = toRequest(wire);
        // The one way an App Router body gets consumed before the handler: user code reading it.
        if (bodyAlreadyParsed) await request.json();
        return fromFetchResponse(await dispatch(handlers, request));
      },
      async close() {},
    };
  },
});

defineConformanceSuite('next App Router createRouteHandler with a receiver factory, in process', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const handlers = createRouteHandler(() => fixture.receiver);
    return {
      async send(wire) {
        const request = toRequest(wire);
        if (bodyAlreadyParsed) await request.json();
        return fromFetchResponse(await dispatch(handlers, request));
      },
      async close() {},
    };
  },
});

function scoreRequest(): Request {
  const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
  return new Request(ROUTE_URL, { method: 'POST', headers: delivery.headers, body: delivery.body });
}

describe('createRouteHandler', () => {
  it('exports every method Next.js routes, all answering through the receiver', async () => {
    const handlers = createRouteHandler(createWebhookReceiver({ secret: SECRET }));
    expect(Object.keys(handlers).sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'] as const) {
      const response = await handlers[method](new Request(ROUTE_URL, { method }));
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe('POST');
      expect(await response.json(), method).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
  });

  it('creates the receiver from a factory on the first request only, then keeps it', async () => {
    const factory = vi.fn(() => createWebhookReceiver({ secret: SECRET }));
    const { POST } = createRouteHandler(factory);
    expect(factory).not.toHaveBeenCalled();
    expect((await POST(scoreRequest())).status).toBe(200);
    expect((await POST(scoreRequest())).status).toBe(200);
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('answers a JSON 500 while the factory throws, logs it, and retries it on the next request', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    let secret: string | undefined;
    const { POST } = createRouteHandler(() => {
      if (secret === undefined) throw new Error('ARMALO_WEBHOOK_SECRET is not set');
      return createWebhookReceiver({ secret });
    });
    try {
      const failed = await POST(scoreRequest());
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
      expect(error).toHaveBeenCalledTimes(1);
      expect(String(error.mock.calls[0]?.[1])).toContain('ARMALO_WEBHOOK_SECRET is not set');
      secret = SECRET;
      const recovered = await POST(scoreRequest());
      expect(recovered.status).toBe(200);
      expect(await recovered.json()).toEqual({ ok: true });
    } finally {
      error.mockRestore();
    }
  });

  it('gives handlers the incoming Request as ctx.next.request', async () => {
    const seen: WebhookContext[] = [];
    const webhooks = createWebhookReceiver({ secret: SECRET }).on('score.changed', (_event, ctx) => {
      seen.push(ctx);
    });
    const request = scoreRequest();
    await createRouteHandler(webhooks).POST(request);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.next?.request).toBe(request);
  });

  it('reads a streamed body without a Content-Length and stops at the limit with 413', async () => {
    const webhooks = createWebhookReceiver({ secret: SECRET, maxBodyBytes: 4096 });
    let pulled = 0;
    const chunk = new Uint8Array(1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk);
      },
    });
    // An endless body: answering at all proves the limit is enforced while reading.
    const request = new Request(ROUTE_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-armalo-signature': 'a'.repeat(64) },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = await createRouteHandler(webhooks).POST(request);
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(pulled).toBeLessThan(10);
  });
});
