import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createWebhookReceiver, type WebhookReceiverOptions } from '@armalo-webhooks/core';
import { createSignedDelivery, createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, injectWire, listen, WEBHOOK_PATH } from './app.js';
import { chunk, openSocket, postHead, readUntilClose } from './raw-http.js';

const SECRET = 'whsec_fastify_body_tests';
const LIMIT = 1024;

function setup(options: Partial<WebhookReceiverOptions> = {}) {
  const calls: string[] = [];
  const logs: string[] = [];
  const receiver = createWebhookReceiver({
    secret: SECRET,
    maxBodyBytes: LIMIT,
    logger: { warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    ...options,
  });
  receiver.onAny((event) => {
    calls.push(event.event);
  });
  return { receiver, calls, logs };
}

/** Resolves once core has started reading the next request's body (its stream was resumed). */
function bodyReading(app: FastifyInstance): Promise<void> {
  return new Promise((resolve) => {
    app.server.once('request', (incoming: IncomingMessage) => incoming.once('resume', () => resolve()));
  });
}

function delivery(data: unknown = sampleData('score.changed')) {
  return createUncheckedDelivery('score.changed', data, { secret: SECRET });
}

// Core's answer, not Fastify's: the code and the limit (statuses are the conformance table's).
const tooLargeBody = { code: 'PAYLOAD_TOO_LARGE', details: { limit: LIMIT } };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('fastify plugin: body limit', () => {
  it('a declared Content-Length over the limit gets core’s answer, not Fastify’s', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const d = delivery({ ...sampleData('score.changed'), padding: 'x'.repeat(LIMIT) });
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });
    expect(response.body).toMatchObject(tooLargeBody);
    expect(calls).toEqual([]);
  });

  it('a chunked body over the limit through inject() gets core’s answer', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const d = delivery({ padding: 'y'.repeat(LIMIT * 3) });
    const response = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: d.headers,
      payload: Readable.from([Buffer.from(d.body.slice(0, 600)), Buffer.from(d.body.slice(600))]),
    });
    expect(response.json()).toMatchObject(tooLargeBody);
    expect(calls).toEqual([]);
  });

  it('a chunked body over the limit on a real socket gets core’s answer and the server hangs up', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const socket = await openSocket(await listen(app));
    const response = readUntilClose(socket);
    const d = delivery({ padding: 'z'.repeat(LIMIT * 4) });
    socket.write(postHead(WEBHOOK_PATH, { ...d.headers, 'transfer-encoding': 'chunked' }));
    socket.write(chunk(d.body.slice(0, 512)));
    socket.write(chunk(d.body.slice(512)));
    // No terminating chunk: the server must answer and hang up on its own.
    const answer = await response;
    // readUntilClose resolved: the server hung up on its own.
    expect(answer?.headers.connection).toBe('close');
    expect(answer?.body).toMatchObject(tooLargeBody);
    expect(calls).toEqual([]);
  });

  it('a chunked body at the limit is accepted', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const base = createSignedDelivery('monitoring.alert', { padding: '' }, { secret: SECRET });
    const timestamp = JSON.parse(base.body).timestamp;
    const d = createSignedDelivery(
      'monitoring.alert',
      { padding: 'p'.repeat(LIMIT - Buffer.byteLength(base.body)) },
      { secret: SECRET, timestamp },
    );
    expect(Buffer.byteLength(d.body)).toBe(LIMIT);
    const socket = await openSocket(await listen(app));
    const response = readUntilClose(socket);
    socket.write(postHead(WEBHOOK_PATH, { ...d.headers, 'transfer-encoding': 'chunked', connection: 'close' }));
    socket.write(Buffer.concat([chunk(d.body.slice(0, 100)), chunk(d.body.slice(100)), Buffer.from('0\r\n\r\n')]));
    expect((await response)?.body).toEqual({ ok: true });
    expect(calls).toEqual(['monitoring.alert']);
  });
});

describe('fastify plugin: content type', () => {
  it('text/plain gets core’s answer before the body is read', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const d = delivery();
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: { ...d.headers, 'content-type': 'text/plain' },
      body: Buffer.from(d.body),
    });
    expect((response.body as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(calls).toEqual([]);
  });

  it.each([
    ['not a media type', 'nonsense'],
    ['an empty value', ''],
    ['a +json subtype Fastify cannot parse', 'application/vnd armalo+json'],
  ])('%s gets core’s 415 shape, never FST_ERR_CTP_INVALID_MEDIA_TYPE', async (_name, contentType) => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const d = delivery();
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: { ...d.headers, 'content-type': contentType },
      body: Buffer.from(d.body),
    });
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Object.keys(response.body as object).sort()).toEqual(['code', 'error']);
    expect((response.body as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(calls).toEqual([]);
  });

  it('a missing content type is accepted over a real socket', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const d = delivery();
    const socket = await openSocket(await listen(app));
    const response = readUntilClose(socket);
    socket.write(
      postHead(WEBHOOK_PATH, {
        'x-armalo-signature': d.signature,
        'content-length': Buffer.byteLength(d.body),
        connection: 'close',
      }),
    );
    socket.write(d.body);
    expect((await response)?.body).toEqual({ ok: true });
    expect(calls).toEqual(['score.changed']);
  });

  it('an empty POST without content type reaches core (MISSING_SIGNATURE, not a Fastify error)', async () => {
    const { receiver } = setup();
    app = await buildApp(receiver);
    const response = await app.inject({ method: 'POST', url: WEBHOOK_PATH });
    expect(response.json()).toMatchObject({ code: 'MISSING_SIGNATURE' });
  });
});

describe('fastify plugin: slow, aborted and concurrent bodies', () => {
  it('a body destroyed mid-upload runs no handler, and the next identical delivery is processed', async () => {
    // One body slot: a slot leaked by the aborted upload would turn the retry into a 503.
    const { receiver, calls } = setup({ maxConcurrentBodies: 1 });
    app = await buildApp(receiver);
    const aborted = new Promise<void>((resolve) => app?.addHook('onRequestAbort', async (_request) => resolve()));
    const base = await listen(app);
    const reading = bodyReading(app);
    const d = delivery();
    const socket = await openSocket(base);
    socket.write(postHead(WEBHOOK_PATH, { ...d.headers, 'content-length': Buffer.byteLength(d.body) }));
    socket.write(d.body.slice(0, 40));
    await reading;
    socket.destroy();
    await aborted;
    expect(calls).toEqual([]);

    const retry = await fetch(`${base}${WEBHOOK_PATH}`, { method: 'POST', headers: d.headers, body: d.body });
    expect(await retry.json()).toEqual({ ok: true });
    expect(calls).toEqual(['score.changed']);
  });

  it('a body refused as SERVER_BUSY leaves the one holding the slot to complete', async () => {
    const { receiver, calls } = setup({ maxConcurrentBodies: 1 });
    app = await buildApp(receiver);
    const base = await listen(app);
    const slow = delivery({ ...sampleData('score.changed'), n: 1 });
    const reading = bodyReading(app);
    const socket = await openSocket(base);
    const slowResponse = readUntilClose(socket);
    socket.write(
      postHead(WEBHOOK_PATH, { ...slow.headers, 'content-length': Buffer.byteLength(slow.body), connection: 'close' }),
    );
    socket.write(slow.body.slice(0, 40));
    await reading;

    const other = delivery({ ...sampleData('score.changed'), n: 2 });
    const busy = await fetch(`${base}${WEBHOOK_PATH}`, { method: 'POST', headers: other.headers, body: other.body });
    expect(((await busy.json()) as { code: string }).code).toBe('SERVER_BUSY');

    socket.write(slow.body.slice(40));
    expect((await slowResponse)?.body).toEqual({ ok: true });
    expect(calls).toEqual(['score.changed']);
  });

  it('a preParsing hook that reads the stream and returns a fresh one is fine: the plugin reads what it returns', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const copies: Buffer[] = [];
    app.addHook('preParsing', async (_request, _reply, payload) => {
      const chunks: Buffer[] = [];
      for await (const part of payload) chunks.push(part as Buffer);
      copies.push(Buffer.concat(chunks));
      return Readable.from([Buffer.concat(chunks)]);
    });
    const d = delivery();
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });
    expect(response.body).toEqual({ ok: true });
    expect(copies.map((c) => c.toString())).toEqual([d.body]);
    expect(calls).toEqual(['score.changed']);
  });

  it('a hook that replaces request.body answers RAW_BODY_UNAVAILABLE with the fix, once logged', async () => {
    const { receiver, calls, logs } = setup();
    app = await buildApp(receiver);
    app.addHook('preValidation', async (request) => {
      request.body = { parsed: true };
    });
    const d = delivery();
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });
    const body = response.body as { code: string; details: { fix: string } };
    expect(body.code).toBe('RAW_BODY_UNAVAILABLE');
    expect(body.details.fix).toMatch(/preParsing hooks and plugins that read or replace the body \(request\.body/);
    expect(logs).toHaveLength(1);
    expect(calls).toEqual([]);
  });
});

describe('fastify plugin: keep-alive after an early answer', () => {
  it('a refusal without reading the body leaves the next request on the connection intact', async () => {
    const { receiver, calls } = setup();
    app = await buildApp(receiver);
    const base = await listen(app);
    const d = delivery();
    const socket = await openSocket(base);
    const response = readUntilClose(socket);
    socket.write(
      postHead(WEBHOOK_PATH, {
        ...d.headers,
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(d.body),
      }),
    );
    socket.write(d.body);
    socket.write(
      postHead(WEBHOOK_PATH, { ...d.headers, 'content-length': Buffer.byteLength(d.body), connection: 'close' }),
    );
    socket.write(d.body);
    await once(socket, 'end');
    expect((await response)?.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(calls).toEqual(['score.changed']);
  });
});
