import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, injectWire, WEBHOOK_PATH } from './app.js';

const SECRET = 'whsec_fastify_logging_tests';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, stream: { write: (line: string) => lines.push(JSON.parse(line)) } };
}

describe('fastify plugin: request context and logging', () => {
  it('a failed handler is logged once, through the receiver’s logger, not again by the plugin', async () => {
    const logged: { message: string; meta: unknown }[] = [];
    const receiver = createWebhookReceiver({
      secret: SECRET,
      logger: {
        warn: (message, meta) => logged.push({ message, meta }),
        error: (message, meta) => logged.push({ message, meta }),
      },
    });
    receiver.on('score.changed', () => {
      throw new Error('database is down');
    });
    const log = capture();
    app = await buildApp(receiver, { server: { logger: { level: 'warn', stream: log.stream } } });
    const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });

    expect(response.body).toMatchObject({ code: 'HANDLER_FAILED' });
    expect(log.lines).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.message).toMatch(/HANDLER_FAILED/);
    expect(logged[0]?.meta).toMatchObject({ event: 'score.changed', cause: 'Error: database is down' });
    expect(JSON.stringify(logged)).not.toContain(SECRET);
    expect(JSON.stringify(logged)).not.toContain(d.signature);
  });

  it('with onError set, a failed handler goes to onError alone', async () => {
    const reported: string[] = [];
    const receiver = createWebhookReceiver({
      secret: SECRET,
      onError: (error) => {
        reported.push(error.code);
      },
    });
    receiver.on('score.changed', () => {
      throw new Error('database is down');
    });
    const log = capture();
    app = await buildApp(receiver, { server: { logger: { level: 'warn', stream: log.stream } } });
    const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    await injectWire(app, WEBHOOK_PATH, { method: 'POST', headers: d.headers, body: Buffer.from(d.body) });
    expect(reported).toEqual(['HANDLER_FAILED']);
    expect(log.lines).toEqual([]);
  });

  it('a refused delivery is not logged as an error', async () => {
    const receiver = createWebhookReceiver({ secret: SECRET });
    const log = capture();
    app = await buildApp(receiver, { server: { logger: { level: 'error', stream: log.stream } } });
    const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: 'whsec_other' });
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });
    expect(response.body).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(log.lines).toEqual([]);
  });

  it('handlers reach the Fastify request and a read-only view of the reply through ctx.fastify', async () => {
    const seen: unknown[] = [];
    const receiver = createWebhookReceiver({ secret: SECRET });
    receiver.on('eval.completed', (_event, ctx) => {
      const view = ctx.fastify?.reply;
      seen.push({
        url: ctx.fastify?.request.url,
        id: ctx.fastify?.request.id,
        tag: view?.getHeader('x-request-tag'),
        has: view?.hasHeader('x-request-tag'),
        canSend: view !== undefined && 'send' in view,
      });
    });
    app = await buildApp(receiver);
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-request-tag', 't1');
    });
    const d = createSignedDelivery('eval.completed', sampleData('eval.completed'), { secret: SECRET });
    const response = await app.inject({
      method: 'POST',
      url: `${WEBHOOK_PATH}?attempt=1`,
      headers: d.headers,
      payload: d.body,
    });
    expect(response.json()).toEqual({ ok: true });
    expect(response.headers['x-request-tag']).toBe('t1');
    expect(seen).toEqual([
      { url: `${WEBHOOK_PATH}?attempt=1`, id: expect.any(String), tag: 't1', has: true, canSend: false },
    ]);
  });
});
