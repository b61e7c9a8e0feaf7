import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, injectWire, listen, WEBHOOK_PATH } from './app.js';

const SECRET_A = 'whsec_account_a';
const SECRET_B = 'whsec_account_b';

function receiverFor(secret: string, calls: string[]): WebhookReceiver {
  const receiver = createWebhookReceiver({ secret, logger: { warn() {}, error() {} } });
  receiver.onAny((event) => {
    calls.push(event.event);
  });
  return receiver;
}

function delivery(secret: string) {
  const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret });
  return { method: 'POST', headers, body: Buffer.from(body) };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('fastify plugin: the raw-body parser stays on the webhook route', () => {
  it('a JSON route registered before the plugin still gets a parsed object, not a Buffer', async () => {
    const calls: string[] = [];
    app = await buildApp(receiverFor(SECRET_A, calls));
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { hello: 'world', n: 1 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: { hello: 'world', n: 1 }, isBuffer: false });
  });

  it('routes registered after the plugin keep JSON and text parsing, and the root has no catch-all parser', async () => {
    app = Fastify();
    await app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_A, []), path: WEBHOOK_PATH });
    app.post('/after', async (request) => ({ body: request.body, isBuffer: Buffer.isBuffer(request.body) }));
    app.register(async (child) => {
      child.post('/child', async (request) => ({ body: request.body }));
    });
    const json = await app.inject({ method: 'POST', url: '/after', payload: { a: [1, 2] } });
    expect(json.json()).toEqual({ body: { a: [1, 2] }, isBuffer: false });
    const text = await app.inject({
      method: 'POST',
      url: '/after',
      headers: { 'content-type': 'text/plain' },
      payload: 'plain',
    });
    expect(text.json()).toEqual({ body: 'plain', isBuffer: false });
    expect((await app.inject({ method: 'POST', url: '/child', payload: { c: true } })).json()).toEqual({
      body: { c: true },
    });
    // Outside the webhook route an unknown media type is still Fastify's own 415.
    const other = await app.inject({
      method: 'POST',
      url: '/after',
      headers: { 'content-type': 'application/x-other' },
      payload: 'x',
    });
    expect(other.statusCode).toBe(415);
    expect(other.json().code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE');
    expect(app.hasContentTypeParser('*')).toBe(false);
    expect(app.hasContentTypeParser('application/json')).toBe(true);
  });

  it('the webhook handler sees the exact bytes, and malformed JSON on the JSON route is still Fastify’s 400', async () => {
    const seen: Uint8Array[] = [];
    const receiver = createWebhookReceiver({ secret: SECRET_A });
    receiver.on('score.changed', (_event, ctx) => {
      seen.push(ctx.rawBody);
    });
    app = await buildApp(receiver);
    const request = delivery(SECRET_A);
    expect((await injectWire(app, WEBHOOK_PATH, request)).body).toEqual({ ok: true });
    expect(Buffer.from(seen[0] ?? []).equals(request.body)).toBe(true);
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"x":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
  });
});

describe('fastify plugin: registrations', () => {
  it('decorates the instance with the receivers by path', async () => {
    const receiver = receiverFor(SECRET_A, []);
    app = await buildApp(receiver);
    expect(app.armaloWebhooks.get(WEBHOOK_PATH)).toBe(receiver);
    expect([...app.armaloWebhooks.keys()]).toEqual([WEBHOOK_PATH]);
  });

  it('two paths with two receivers: each verifies with its own secret and rejects the other account', async () => {
    const callsA: string[] = [];
    const callsB: string[] = [];
    const receiverA = receiverFor(SECRET_A, callsA);
    const receiverB = receiverFor(SECRET_B, callsB);
    app = Fastify();
    await app.register(armaloWebhooksPlugin, { receiver: receiverA, path: '/webhooks/a' });
    await app.register(armaloWebhooksPlugin, { receiver: receiverB, path: '/webhooks/b' });
    const base = await listen(app);
    const post = (path: string, request: ReturnType<typeof delivery>) =>
      fetch(`${base}${path}`, { method: 'POST', headers: request.headers, body: new Uint8Array(request.body) });

    const forA = delivery(SECRET_A);
    const forB = delivery(SECRET_B);
    const wrongB = await post('/webhooks/b', forA);
    expect(((await wrongB.json()) as { code: string }).code).toBe('INVALID_SIGNATURE');
    const wrongA = await post('/webhooks/a', forB);
    expect(((await wrongA.json()) as { code: string }).code).toBe('INVALID_SIGNATURE');
    expect(callsA).toEqual([]);
    expect(callsB).toEqual([]);

    expect(await (await post('/webhooks/a', forA)).json()).toEqual({ ok: true });
    expect(await (await post('/webhooks/b', forB)).json()).toEqual({ ok: true });
    expect(callsA).toEqual(['score.changed']);
    expect(callsB).toEqual(['score.changed']);
    expect(app.armaloWebhooks.get('/webhooks/a')).toBe(receiverA);
    expect(app.armaloWebhooks.get('/webhooks/b')).toBe(receiverB);
  });

  it('the same path twice fails at startup with a clear error', async () => {
    app = Fastify();
    await app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_A, []), path: '/webhooks/armalo' });
    await expect(
      app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_B, []), path: '/webhooks/armalo' }),
    ).rejects.toThrow('armalo-webhooks: POST /webhooks/armalo is already registered; give each receiver its own path');
  });

  it('the same path twice without awaiting fails in ready()', async () => {
    app = Fastify();
    app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_A, []), path: '/hooks' });
    app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_B, []), path: '/hooks' });
    await expect(app.ready()).rejects.toThrow(/POST \/hooks is already registered/);
  });

  it('a path an app route already answers fails at startup', async () => {
    app = Fastify();
    app.post('/webhooks/armalo', async () => 'mine');
    await expect(
      app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_A, []), path: '/webhooks/armalo' }),
    ).rejects.toThrow(/already registered/);
  });

  it('a path that is not a route path fails at startup with Fastify’s own error', async () => {
    app = Fastify();
    await expect(
      app.register(armaloWebhooksPlugin, { receiver: receiverFor(SECRET_A, []), path: 'no-slash' }),
    ).rejects.toThrow(/first character of a path should be `\/`/);
  });

  it('the prefix register option is honoured, although fastify-plugin alone would ignore it', async () => {
    const calls: string[] = [];
    const receiver = receiverFor(SECRET_A, calls);
    app = Fastify();
    await app.register(armaloWebhooksPlugin, { receiver, path: '/armalo', prefix: '/api' });
    expect([...app.armaloWebhooks.keys()]).toEqual(['/api/armalo']);
    expect((await injectWire(app, '/api/armalo', delivery(SECRET_A))).body).toEqual({ ok: true });
    expect(calls).toEqual(['score.changed']);
    expect((await app.inject({ method: 'POST', url: '/armalo' })).statusCode).toBe(404);

    const other = Fastify();
    await other.register(armaloWebhooksPlugin, { receiver, path: '/armalo', prefix: '/api' });
    await expect(other.register(armaloWebhooksPlugin, { receiver, path: '/api/armalo' })).rejects.toThrow(
      /POST \/api\/armalo is already registered/,
    );
    await other.close();
  });

  it('inside a prefixed plugin the route and the map key carry the prefix', async () => {
    const calls: string[] = [];
    const receiver = receiverFor(SECRET_A, calls);
    app = Fastify();
    let keys: string[] = [];
    await app.register(
      async (child) => {
        await child.register(armaloWebhooksPlugin, { receiver, path: '/armalo' });
        keys = [...child.armaloWebhooks.keys()];
      },
      { prefix: '/v1' },
    );
    await app.ready();
    expect(keys).toEqual(['/v1/armalo']);
    expect((await injectWire(app, '/v1/armalo', delivery(SECRET_A))).body).toEqual({ ok: true });
    expect(calls).toEqual(['score.changed']);
    expect((await app.inject({ method: 'POST', url: '/armalo' })).statusCode).toBe(404);
  });
});

describe('fastify plugin: other methods', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)(
    '%s is answered by core (METHOD_NOT_ALLOWED), not by Fastify’s router',
    async (method) => {
      const calls: string[] = [];
      app = await buildApp(receiverFor(SECRET_A, calls));
      const request = delivery(SECRET_A);
      const response = await injectWire(app, WEBHOOK_PATH, { ...request, method });
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.body).toEqual({ error: expect.any(String), code: 'METHOD_NOT_ALLOWED' });
      expect(calls).toEqual([]);
    },
  );

  it('HEAD answers 405 with Allow: POST and no body', async () => {
    app = await buildApp(receiverFor(SECRET_A, []));
    const response = await app.inject({ method: 'HEAD', url: WEBHOOK_PATH });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.body).toBe('');
  });
});
