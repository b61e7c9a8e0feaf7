// The test kit's host shapes, each sent through the real host it is made for: supertest against
// the Express middleware, inject() against the Fastify plugin, a Request against Hono and the Next.js
// App Router handler, Lambda events against the aws-lambda handler. Each handler sees the typed data.
import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
import { createWebhookReceiver, type ScoreChangedData } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { armaloWebhooks as expressWebhooks } from '@armalo-webhooks/express';
import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
import { armaloWebhooks as honoWebhooks } from '@armalo-webhooks/hono';
import { createRouteHandler } from '@armalo-webhooks/next';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

const SECRET = 'whsec_test_kit_hosts';
const PATH = '/webhooks/armalo';

/** A receiver that records the `score.changed` data its handler was given, typed by the router. */
function recordingReceiver() {
  const seen: ScoreChangedData[] = [];
  const receiver = createWebhookReceiver({ secret: SECRET, logger: { warn() {}, error() {} } });
  receiver.on('score.changed', (event) => {
    seen.push(event.data);
  });
  return { receiver, seen };
}

/** Non-ASCII and a field the catalog does not list: both must arrive as sent. */
const delivery = (agentId = 'agent_ñ') =>
  createSignedDelivery('score.changed', sampleData('score.changed', { agentId, region: 'eu' }), { secret: SECRET });

describe('the test kit through real hosts', () => {
  it('supertest against the Express middleware: set(headers) then send(body)', async () => {
    const { receiver, seen } = recordingReceiver();
    const app = express().post(PATH, expressWebhooks(receiver));
    const d = delivery();
    const response = await request(app).post(PATH).set(d.headers).send(d.body);
    expect(response.status).toBe(200);
    expect(seen).toEqual([d.data]);
  });

  it('inject() against the Fastify plugin', async () => {
    const { receiver, seen } = recordingReceiver();
    const app = Fastify();
    await app.register(armaloWebhooksPlugin, { receiver, path: PATH });
    try {
      const d = delivery();
      const response = await app.inject(d.toInject(PATH));
      expect(response.statusCode).toBe(200);
      expect(seen).toEqual([d.data]);
    } finally {
      await app.close();
    }
  });

  it('a Request against Hono (app.request) and the Next.js App Router POST', async () => {
    const hono = recordingReceiver();
    const app = new Hono().post(PATH, honoWebhooks(hono.receiver));
    const d = delivery();
    expect((await app.request(d.toRequest(`http://localhost${PATH}`))).status).toBe(200);
    expect(hono.seen).toEqual([d.data]);

    const next = recordingReceiver();
    const { POST } = createRouteHandler(next.receiver);
    expect((await POST(d.toRequest('http://localhost/api/webhooks/armalo'))).status).toBe(200);
    expect(next.seen).toEqual([d.data]);
  });

  it('Lambda events, text and base64, against the aws-lambda handler', async () => {
    const { receiver, seen } = recordingReceiver();
    const handler = createLambdaHandler(receiver);
    // Two different deliveries: the same bytes twice would be a retry, acknowledged as a duplicate.
    const text = delivery('agent_text');
    const base64 = delivery('agent_base64');
    expect((await handler(text.toLambdaEvent({ path: PATH }))).statusCode).toBe(200);
    expect((await handler(base64.toLambdaEvent({ path: PATH, base64: true }))).statusCode).toBe(200);
    expect(seen).toEqual([text.data, base64.data]);
  });
});
