import { createWebhookReceiver, type WebhookContext } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createRouteHandler, type RouteHandlers } from '@armalo-webhooks/next';
import { describe, expect, it, vi } from 'vitest';
import { type Fixture, SECRET } from '../conformance/fixture.js';
import { defineConformanceSuite, fromFetchResponse, holdFetch, toRequest } from '../conformance/run.js';

const ROUTE_URL = 'http://localhost/api/webhooks/armalo';

/** Calls the export Next.js would call for the method: route modules are dispatched by method name. */
function dispatch(handlers: RouteHandlers, request: Request): Promise<Response> {
  const handler = handlers[request.method as keyof RouteHandlers];
  if (handler === undefined) throw new Error(`no export for ${request.method}`);
  return handler(request);
}

const consumes = { parsed: 'request.json() called first', drained: 'request.arrayBuffer() called first' };
const rawBodyFix = /read nothing from the Request before it: no request\.json\(\)/;

for (const [name, source] of [
  ['a receiver', (fixture: Fixture) => fixture.receiver],
  ['a receiver factory', (fixture: Fixture) => () => fixture.receiver],
] as const) {
  defineConformanceSuite(`next App Router createRouteHandler with ${name}, in process`, {
    consumes,
    rawBodyFix,
    async mount(fixture, { consumed }) {
      const handlers = createRouteHandler(source(fixture));
      return {
        async send(wire) {
          const request = toRequest(ROUTE_URL, wire);
          // The one way an App Router body gets consumed before the handler: user code reading it.
          if (consumed === 'parsed') await request.json();
          if (consumed === 'drained') await request.arrayBuffer();
          return fromFetchResponse(await dispatch(handlers, request));
        },
        hold: (wire) => holdFetch((request) => dispatch(handlers, request), ROUTE_URL, wire),
        async close() {},
      };
    },
  });
}

function scoreRequest(): Request {
  const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
  return new Request(ROUTE_URL, { method: 'POST', headers: delivery.headers, body: delivery.body });
}

describe('createRouteHandler', () => {
  it('exports every method Next.js routes, all answering through the receiver', async () => {
    const handlers = createRouteHandler(createWebhookReceiver({ secret: SECRET }));
    expect(Object.keys(handlers).sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    for (const method of ['GET', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'] as const) {
      const response = await handlers[method](new Request(ROUTE_URL, { method }));
      expect(await response.json(), method).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
  });

  it('creates the receiver from a factory on the first request only, then keeps it', async () => {
    const factory = vi.fn(() => createWebhookReceiver({ secret: SECRET }));
    const { POST } = createRouteHandler(factory);
    expect(factory).not.toHaveBeenCalled();
    const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const send = () => POST(new Request(ROUTE_URL, { method: 'POST', headers: delivery.headers, body: delivery.body }));
    expect(await (await send()).json()).toEqual({ ok: true });
    // The same receiver, and so the same store, answers the retry.
    expect(await (await send()).json()).toEqual({ ok: true, duplicate: true });
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('lets a throwing factory throw (Next answers its own 500), and calls it again on the next request', async () => {
    let secret: string | undefined;
    const factory = vi.fn(() => {
      if (secret === undefined) throw new Error('ARMALO_WEBHOOK_SECRET is not set');
      return createWebhookReceiver({ secret });
    });
    const { POST } = createRouteHandler(factory);
    await expect(POST(scoreRequest())).rejects.toThrow('ARMALO_WEBHOOK_SECRET is not set');
    secret = SECRET;
    expect(await (await POST(scoreRequest())).json()).toEqual({ ok: true });
    expect(factory).toHaveBeenCalledTimes(2);
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
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 4096 } });
    expect(pulled).toBeLessThan(10);
  });
});
