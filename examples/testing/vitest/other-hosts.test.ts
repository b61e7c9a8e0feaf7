import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
import { armaloWebhooks } from '@armalo-webhooks/hono';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createWebhooks } from '../src/webhooks.js';

const secret = 'whsec_test';

describe('the same receiver behind other hosts', () => {
  it('Fastify: app.inject(delivery.toInject(path))', async () => {
    const scores = new Map<string, number>();
    const app = Fastify();
    await app.register(armaloWebhooksPlugin, { receiver: createWebhooks(secret, scores), path: '/webhooks/armalo' });
    const delivery = createSignedDelivery('score.changed', { secret });

    const response = await app.inject(delivery.toInject('/webhooks/armalo'));

    expect(response.statusCode).toBe(200);
    expect(scores.get(delivery.data.agentId)).toBe(delivery.data.compositeScore);
    await app.close();
  });

  it('Hono, Next.js App Router, Workers: delivery.toRequest(url)', async () => {
    const scores = new Map<string, number>();
    const app = new Hono().post('/webhooks/armalo', armaloWebhooks(createWebhooks(secret, scores)));
    const delivery = createSignedDelivery('score.changed', { secret });

    const response = await app.request(delivery.toRequest('http://localhost/webhooks/armalo'));

    expect(response.status).toBe(200);
    expect(scores.get(delivery.data.agentId)).toBe(delivery.data.compositeScore);
  });

  it('AWS Lambda: delivery.toLambdaEvent(), an HTTP API or function URL event', async () => {
    const scores = new Map<string, number>();
    const handler = createLambdaHandler(createWebhooks(secret, scores));
    const delivery = createSignedDelivery('score.changed', { secret });

    const result = await handler(delivery.toLambdaEvent({ path: '/webhooks/armalo', base64: true }));

    expect(result.statusCode).toBe(200);
    expect(scores.get(delivery.data.agentId)).toBe(delivery.data.compositeScore);
  });
});
