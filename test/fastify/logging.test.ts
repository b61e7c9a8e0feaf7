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
  it('a failed handler is logged once through request.log with the request id, code and cause', async () => {
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
    app = await buildApp(receiver, { server: { logger: { level: 'error', stream: log.stream } } });
    const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });

    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: 'Webhook handler failed; the delivery was not acknowledged',
      code: 'HANDLER_FAILED',
    });
    expect(reported).toEqual(['HANDLER_FAILED']);
    expect(log.lines).toHaveLength(1);
    const [line] = log.lines;
    expect(line).toMatchObject({
      level: 50,
      code: 'HANDLER_FAILED',
      event: 'score.changed',
      reqId: expect.any(String),
    });
    expect(line?.msg).toBe('armalo-webhooks: delivery failed');
    expect(JSON.stringify(line)).toContain('database is down');
    expect(JSON.stringify(line)).not.toContain(SECRET);
    expect(JSON.stringify(line)).not.toContain(d.signature);
  });

  it('a refused delivery (4xx) is not logged as an error', async () => {
    const receiver = createWebhookReceiver({ secret: SECRET });
    const log = capture();
    app = await buildApp(receiver, { server: { logger: { level: 'error', stream: log.stream } } });
    const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: 'whsec_other' });
    const response = await injectWire(app, WEBHOOK_PATH, {
      method: 'POST',
      headers: d.headers,
      body: Buffer.from(d.body),
    });
    expect(response.status).toBe(401);
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
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-tag']).toBe('t1');
    expect(seen).toEqual([
      { url: `${WEBHOOK_PATH}?attempt=1`, id: expect.any(String), tag: 't1', has: true, canSend: false },
    ]);
  });
});
